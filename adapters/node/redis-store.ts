import { createBatcher, type Admitted, type SharedCounterStore } from '../../src/index.ts';
import { decodeSync, encodeSync, SYNC_LUA, type StoreCall } from './redis-scripts.ts';

const FIRST_CONNECT_WAIT_MS = 2_000;

type Script = (...numKeysKeysAndArgs: (string | number)[]) => Promise<unknown>;

/**
 * Rate-limit counters in Redis, shared by every gateway replica that points at it.
 * What the requests of one turn of the event loop have to tell Redis (admit me, I have
 * ended) goes as one script call: under load one round trip serves many requests, and
 * each still sees exact, atomic counts.
 */
export function createRedisStore(url: string): SharedCounterStore & { close(): Promise<void> } {
  // ioredis is loaded when a config asks for Redis: evaluating it at start costs ~9 MB of every gateway's memory
  const connected = import('ioredis').then(({ Redis }) => {
    const redis = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, lazyConnect: false });
    redis.on('error', () => undefined); // surfaced per call; the limiter logs and lets requests through
    // defineCommand sends EVALSHA (the script's hash), not the script's text on every call
    redis.defineCommand('mtSync', { lua: SYNC_LUA });
    return { redis, mtSync: (redis as unknown as { mtSync: Script }).mtSync };
  });
  // Requests that arrive while the first connection is still being made wait for it
  // (briefly) instead of being let through unlimited; after that, an outage fails fast.
  let firstConnect: Promise<void> | null = connected
    .then(
      ({ redis }) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, FIRST_CONNECT_WAIT_MS);
          redis.once('ready', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    )
    .then(() => {
      firstConnect = null;
    });
  const batcher = createBatcher<StoreCall, Admitted | null>(async (calls) => {
    if (firstConnect) await firstConnect;
    const { redis, mtSync } = await connected;
    return decodeSync(await mtSync.call(redis, ...encodeSync(calls)), calls);
  }, setImmediate);
  const call = batcher.call;
  return {
    admit: (checks, window) => call({ checks, window }) as Promise<Admitted>,
    settle: (tokenKeys, tokens, window, slotKeys) => call({ tokenKeys, tokens, window, slotKeys }).then(() => undefined),
    add: async (adds, window) => ((await call({ adds, window })) as Admitted).values,
    /** Sends the counts still waiting (requests that ended just now), then disconnects. */
    async close() {
      await batcher.drain().catch(() => undefined);
      (await connected).redis.disconnect();
    },
  };
}
