/** A target a running backend added itself (a Slurm job, a pod) with `POST /admin/targets`. */
export interface Registration {
  readonly id: string;
  readonly model: string;
  /** normalised: no trailing slash */
  readonly url: string;
  ttlMs: number;
  /** clock.now() after which it leaves the model, unless a heartbeat comes first */
  expiresAt: number;
}

/**
 * Targets registered at run time, by model. They live beside the config, not in it: a reload
 * keeps them, and they leave when their backend says so (DELETE) or stops sending
 * heartbeats for its ttl. Posting the same model and URL again is the heartbeat.
 */
export class TargetRegistry {
  private readonly byId = new Map<string, Registration>();
  private readonly byKey = new Map<string, Registration>();

  /** Adds or refreshes; `created` says whether the model's targets changed. */
  register(model: string, url: string, ttlMs: number, now: number, id?: string): { registration: Registration; created: boolean } {
    const clean = url.replace(/\/+$/, '');
    const key = `${model}\n${clean}`;
    const known = this.byKey.get(key);
    if (known) {
      known.ttlMs = ttlMs;
      known.expiresAt = now + ttlMs;
      return { registration: known, created: false };
    }
    const registration: Registration = { id: id ?? newId(), model, url: clean, ttlMs, expiresAt: now + ttlMs };
    this.byId.set(registration.id, registration);
    this.byKey.set(key, registration);
    return { registration, created: true };
  }

  remove(id: string): Registration | null {
    const r = this.byId.get(id);
    if (!r) return null;
    this.byId.delete(id);
    this.byKey.delete(`${r.model}\n${r.url}`);
    return r;
  }

  /** Removes what is past its ttl; answers the models that lost a target. */
  expire(now: number): Set<string> {
    const models = new Set<string>();
    for (const r of this.byId.values()) {
      if (r.expiresAt > now) continue;
      this.remove(r.id);
      models.add(r.model);
    }
    return models;
  }

  /** A model left the config: its registrations go with it (a backend still sending heartbeats is told 404). */
  dropModel(model: string): void {
    for (const r of this.byId.values()) if (r.model === model) this.remove(r.id);
  }

  urls(model: string): string[] {
    const out: string[] = [];
    for (const r of this.byId.values()) if (r.model === model) out.push(r.url);
    return out;
  }

  list(): Registration[] {
    return [...this.byId.values()];
  }
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return `tgt_${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
