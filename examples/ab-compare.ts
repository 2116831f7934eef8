// A/B compare: one prompt to two models at once, their tokens interleaved as they stream (each line
// labelled with its model), then each full answer with its timings. The official OpenAI SDK.
//
//   npx tsx examples/ab-compare.ts ["prompt"] [model-a] [model-b]   # default: demo and demo-chat (npm start)
//
// MODELTAINER_URL (default http://localhost:8081) and MODELTAINER_KEY (if the gateway has keys).
import OpenAI from 'openai';

const gateway = (process.env.MODELTAINER_URL ?? 'http://localhost:8081').replace(/\/$/, '');
const client = new OpenAI({ baseURL: `${gateway}/v1`, apiKey: process.env.MODELTAINER_KEY ?? 'unused' });
const [prompt = 'Write a haiku about load balancers.', modelA = 'demo', modelB = 'demo-chat'] = process.argv.slice(2);

interface Result {
  model: string;
  text: string;
  firstTokenS: number;
  totalS: number;
}

async function streamOne(model: string): Promise<Result> {
  const started = performance.now();
  let text = '';
  let firstTokenS = 0;
  const stream = await client.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: prompt }] });
  for await (const chunk of stream) {
    const piece = chunk.choices[0]?.delta.content;
    if (!piece) continue;
    if (text === '') firstTokenS = (performance.now() - started) / 1000;
    text += piece;
    console.log(`${`[${model}]`.padEnd(14)} ${JSON.stringify(piece).slice(1, -1)}`);
  }
  return { model, text, firstTokenS, totalS: (performance.now() - started) / 1000 };
}

try {
  // Both streams run at once; an error in either (HTTP status or an error event) rejects.
  const results = await Promise.all([streamOne(modelA), streamOne(modelB)]);
  for (const r of results) {
    console.log(`=== ${r.model}: first token ${r.firstTokenS.toFixed(3)} s, total ${r.totalS.toFixed(3)} s`);
    console.log(r.text);
  }
} catch (err) {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
}
