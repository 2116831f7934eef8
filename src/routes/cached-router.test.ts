import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { CachedRouter } from './cached-router.ts';

describe('CachedRouter', () => {
  it('answers like the router it wraps, each path its own params, and keeps each answer', async () => {
    const router = new CachedRouter<string>();
    router.add('ALL', '/:prefix/v1/*', 'auth');
    router.add('POST', '/:prefix/v1/chat/completions', 'chat');
    router.add('POST', '/v1/chat/completions', 'plain');
    const coder = router.match('POST', '/coder/v1/chat/completions');
    expect(coder).toBe(router.match('POST', '/coder/v1/chat/completions'));
    const app = new Hono({ router: new CachedRouter() });
    app.post('/:prefix/v1/chat/completions', (c) => c.text(c.req.param('prefix')));
    app.post('/v1/chat/completions', (c) => c.text('plain'));
    for (const [path, want] of [['/coder/v1/chat/completions', 'coder'], ['/chat/v1/chat/completions', 'chat'], ['/coder/v1/chat/completions', 'coder'], ['/v1/chat/completions', 'plain']]) {
      expect(await (await app.request(path!, { method: 'POST' })).text()).toBe(want);
    }
    expect((await app.request('/coder/v1/chat/completions')).status).toBe(404);
  });

  it('forgets every answer when a route is added', () => {
    const router = new CachedRouter<string>();
    router.add('GET', '/a', 'first');
    expect(router.match('GET', '/b')[0]).toHaveLength(0);
    router.add('GET', '/b', 'second');
    expect(router.match('GET', '/b')[0].map(([h]) => h)).toEqual(['second']);
  });

  it('keeps a bounded number of paths, and never a very long one', () => {
    const router = new CachedRouter<string>();
    router.add('GET', '/:name', 'any');
    const long = `/${'x'.repeat(300)}`;
    expect(router.match('GET', long)).not.toBe(router.match('GET', long));
    for (let i = 0; i < 1_100; i++) router.match('GET', `/p${i}`);
    expect(router.match('GET', '/p5')).toBe(router.match('GET', '/p5'));
    expect(router.match('GET', '/p1050')).not.toBe(router.match('GET', '/p1050'));
  });
});
