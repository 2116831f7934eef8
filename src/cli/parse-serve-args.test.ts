import { describe, expect, it } from 'vitest';
import { parseServeArgs, UsageError } from './parse-serve-args.ts';

const defaults = { config: '/repo/config/models.yaml' };

describe('parseServeArgs', () => {
  it('uses the defaults with no flags and no environment', () => {
    expect(parseServeArgs([], {}, defaults)).toEqual({ help: false, config: '/repo/config/models.yaml', port: 8081, host: '127.0.0.1', logLevel: 'info', workers: null });
  });

  it('reads long, short and --flag=value forms', () => {
    expect(parseServeArgs(['--config', 'a.yaml', '-p', '0', '--host=0.0.0.0'], {}, defaults)).toMatchObject({ config: 'a.yaml', port: 0, host: '0.0.0.0' });
    expect(parseServeArgs(['-c', 'b.yaml', '--port=9000', '--host', '::1'], {}, defaults)).toMatchObject({ config: 'b.yaml', port: 9000, host: '::1' });
    expect(parseServeArgs(['-h'], {}, defaults).help).toBe(true);
  });

  it('takes the environment under the flags, and ignores empty variables', () => {
    const env = { MODELTAINER_CONFIG: 'env.yaml', PORT: '7000', HOST: '0.0.0.0', LOG_LEVEL: 'DEBUG' };
    expect(parseServeArgs([], env, defaults)).toMatchObject({ config: 'env.yaml', port: 7000, host: '0.0.0.0', logLevel: 'debug' });
    expect(parseServeArgs(['--port', '1'], env, defaults).port).toBe(1);
    expect(parseServeArgs([], { PORT: '', HOST: '', MODELTAINER_CONFIG: '', LOG_LEVEL: '' }, defaults)).toMatchObject({ port: 8081, host: '127.0.0.1', config: defaults.config, logLevel: 'info' });
  });

  it.each([
    [['--nope'], /unknown option '--nope'/],
    [['serve'], /unexpected argument 'serve'/],
    [['--port'], /'--port' needs a value/],
    [['--config', '--port', '1'], /'--config' needs a value/],
    [['--port', 'abc'], /invalid port 'abc'/],
    [['--port', '70000'], /invalid port '70000'/],
    [['--port', '1.5'], /invalid port/],
    [['--help=yes'], /takes no value/],
  ])('rejects %j with a UsageError', (argv, message) => {
    expect(() => parseServeArgs(argv, {}, defaults)).toThrow(UsageError);
    expect(() => parseServeArgs(argv, {}, defaults)).toThrow(message);
  });

  it('reads --workers N or auto, also from MODELTAINER_WORKERS, and rejects anything else', () => {
    expect(parseServeArgs(['--workers', '2'], {}, defaults).workers).toBe(2);
    expect(parseServeArgs(['-w', 'auto'], {}, defaults).workers).toBe('auto');
    expect(parseServeArgs([], { MODELTAINER_WORKERS: '3' }, defaults).workers).toBe(3);
    for (const bad of ['0', '1.5', 'many', '-1']) expect(() => parseServeArgs([`--workers=${bad}`], {}, defaults)).toThrow(/invalid --workers/);
  });

  it('rejects an unknown LOG_LEVEL naming the choices', () => {
    expect(() => parseServeArgs([], { LOG_LEVEL: 'loud' }, defaults)).toThrow(/invalid log level 'loud': expected one of debug, info, warn, error/);
  });
});
