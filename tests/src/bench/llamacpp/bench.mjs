// The reference run for docs/PERFORMANCE.md: llama.cpp, as npm's node-llama-cpp ships it prebuilt,
// timed on the same model and thread count as `lucid bench`. Not part of the build or the tests.
//
//   mkdir scratch && cd scratch && npm install node-llama-cpp@3.22.1
//   node <this file> MODEL.gguf [threads=2] [prompt=128] [generated=64] [reps=3]
//
// Prompt: 128 fixed token ids through evaluateWithoutGeneratingNewTokens (one batch). Generation:
// greedy tokens from evaluate, one at a time. One warm-up repetition, then the medians of `reps`.
// Prints one JSON line, with the same field names as `lucid bench --json` where they mean the same.
import {getLlama} from "node-llama-cpp";

const [modelPath, threadsArg, promptArg, generatedArg, repsArg] = process.argv.slice(2);
if (!modelPath) {
    console.error("usage: node bench.mjs MODEL.gguf [threads] [prompt tokens] [generated tokens] [reps]");
    process.exit(2);
}
const threads = Number(threadsArg ?? 2);
const promptTokens = Number(promptArg ?? 128);
const generated = Number(generatedArg ?? 64);
const reps = Number(repsArg ?? 3);

const llama = await getLlama({gpu: false, build: "never", logLevel: "warn"});
const loadStart = performance.now();
const model = await llama.loadModel({modelPath, gpuLayers: 0, useMmap: true});
const loadMs = performance.now() - loadStart;
const context = await model.createContext({contextSize: 512, batchSize: 512, threads, flashAttention: false});
const sequence = context.getSequence();
// Ids 100..999 in a fixed order: ordinary tokens in any llama-family vocabulary.
const prompt = Array.from({length: promptTokens}, (_, i) => 100 + ((i * 7919) % 900));

const pp = [];
const tg = [];
for (let rep = 0; rep <= reps; rep++) {
    await sequence.clearHistory();
    let start = performance.now();
    await sequence.evaluateWithoutGeneratingNewTokens(prompt);
    const promptRate = promptTokens / ((performance.now() - start) / 1000);
    let count = 0;
    start = performance.now();
    for await (const token of sequence.evaluate([prompt[0]], {temperature: 0})) {
        if (++count >= generated) {
            break;
        }
    }
    const generationRate = count / ((performance.now() - start) / 1000);
    if (rep > 0) {
        pp.push(promptRate);
        tg.push(generationRate);
    }
}
const median = values => [...values].sort((a, b) => a - b)[values.length >> 1];
console.log(JSON.stringify({
    model: modelPath, threads, load_ms: Math.round(loadMs),
    pp_tps: median(pp), tg_tps: median(tg), tg_tps_min: Math.min(...tg), tg_tps_max: Math.max(...tg),
}));
await context.dispose();
await model.dispose();
