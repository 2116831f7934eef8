/** The repo's Dockerfile read with dockerfile-ast (the Docker language server's parser): what each stage does. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Copy, DockerfileParser, Env, Healthcheck, type Instruction } from 'dockerfile-ast';
import { ROOT } from './compose-file.ts';

export const DOCKERFILE_TEXT = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

export interface Stage {
  /** FROM's image, `${NODE_IMAGE}` resolved from the ARG default */
  image: string;
  name: string | null;
  instructions: Instruction[];
  /** COPY sources (`--from=stage` kept) with their destinations */
  copies: { from: string | null; sources: string[]; dest: string }[];
  env: Record<string, string>;
  runs: string[];
  user: string | null;
  workdir: string | null;
  /** exec-form CMD */
  cmd: string[] | null;
  healthcheck: { flags: Record<string, string>; cmd: string[] } | null;
}

/** Each build stage of the Dockerfile, in order. */
export function readStages(text = DOCKERFILE_TEXT): Stage[] {
  const df = DockerfileParser.parse(text);
  const args = Object.fromEntries(df.getInitialARGs().flatMap((a) => a.getProperties().map((p) => [p.getName(), p.getValue() ?? ''])));
  const resolve = (s: string) => s.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? '');
  const stages: Stage[] = [];
  for (const ins of df.getInstructions()) {
    const keyword = ins.getKeyword();
    const content = ins.getArgumentsContent() ?? '';
    if (keyword === 'FROM') {
      const [image, , name] = content.split(/\s+/);
      stages.push({ image: resolve(image!), name: name ?? null, instructions: [], copies: [], env: {}, runs: [], user: null, workdir: null, cmd: null, healthcheck: null });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) continue; // the ARGs before the first FROM
    stage.instructions.push(ins);
    const words = ins.getArguments().map((a) => a.getValue());
    if (ins instanceof Copy) {
      stage.copies.push({ from: ins.getFromFlag()?.getValue() ?? null, sources: words.slice(0, -1), dest: words.at(-1)! });
    } else if (ins instanceof Env) {
      for (const p of ins.getProperties()) stage.env[p.getName()] = p.getValue() ?? '';
    } else if (ins instanceof Healthcheck) {
      stage.healthcheck = {
        flags: Object.fromEntries(ins.getFlags().map((f) => [f.getName(), f.getValue() ?? ''])),
        cmd: JSON.parse(content.replace(/^CMD\s+/, '')) as string[],
      };
    } else if (keyword === 'RUN') stage.runs.push(content);
    else if (keyword === 'USER') stage.user = content;
    else if (keyword === 'WORKDIR') stage.workdir = content;
    else if (keyword === 'CMD') stage.cmd = JSON.parse(content) as string[];
  }
  return stages;
}
