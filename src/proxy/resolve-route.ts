import type { Principal } from '../auth/principal.ts';
import type { ConfigSnapshot, ModelEntry } from '../config/snapshot.ts';
import { errors } from '../errors/errors.ts';
import type { GatewayRuntime } from '../runtime/gateway-runtime.ts';
import { rendezvousScore, smoothWeighted } from '../targets/picker.ts';

export interface ResolvedRoute {
  /** The model that will be tried first: the name asked for, or the member a split chose. */
  model: ModelEntry;
  /** The split entry the client named, when there was one. */
  split: ModelEntry | null;
  /** `model`, then its fallbacks. */
  chain: ModelEntry[];
}

/**
 * The name in the body to the models that will serve it. A model the caller may not use
 * answers exactly like one that does not exist. A split picks a member by weight: sticky
 * per key or `user` when asked (rendezvous hashing, so a caller keeps its member), else
 * in exact proportions (smooth weighted round-robin, whose position lives in the runtime).
 */
export function resolveRoute(
  snapshot: ConfigSnapshot,
  name: string,
  principal: Principal,
  user: unknown,
  runtime: GatewayRuntime,
): ResolvedRoute {
  const entry = snapshot.byName.get(name);
  if (!entry || !(principal.mayUse(name) || principal.mayUse(entry.name))) throw errors.modelNotFound(name);
  const model = entry.split ? pickMember(snapshot, entry, principal, user, runtime) : entry;
  const chain = [model];
  for (const f of model.fallbacks) {
    const fallback = snapshot.byName.get(f);
    if (fallback && !chain.includes(fallback)) chain.push(fallback);
  }
  return { model, split: entry.split ? entry : null, chain };
}

function pickMember(snapshot: ConfigSnapshot, entry: ModelEntry, principal: Principal, user: unknown, runtime: GatewayRuntime): ModelEntry {
  const members = (entry.split ?? []).filter((s) => s.weight > 0);
  const sticky = entry.sticky === 'key' ? (principal.kind === 'anonymous' ? null : principal.name) : entry.sticky === 'user' && typeof user === 'string' && user ? user : null;
  let chosen = members[0]!;
  if (sticky !== null) {
    let best = -Infinity;
    for (const m of members) {
      const score = rendezvousScore(sticky, m.model, m.weight);
      if (score > best) {
        best = score;
        chosen = m;
      }
    }
  } else if (members.length > 1) {
    const weights = new Map(members.map((m) => [m.model, m.weight]));
    const name = smoothWeighted([...weights.keys()], runtime.model(entry).splitRr, (n) => weights.get(n) ?? 0);
    return snapshot.byName.get(name) ?? entry;
  }
  return snapshot.byName.get(chosen.model) ?? entry;
}
