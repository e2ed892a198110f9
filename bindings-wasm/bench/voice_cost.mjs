// WASM cost of a session's voice pipelines per 10 ms frame: the loop of
// tests/src/bin/voice_cost.rs (the native figure) through the wasm-bindgen package, in node.
// Run by `scripts/bench.sh voice-wasm`; argument: the package built with --target nodejs.
// Prints one line per rate: `rate on_us off_us` (microseconds per 10 ms, median of 5 runs).
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const { MediaSession } = require(path.resolve(process.argv[2], "mediacore_wasm.js"));

const SECONDS = 3;

function session(codec, voice, seed) {
  const options = { rtcp: false, qualityIntervalMs: null };
  if (voice) {
    options.voice = {
      capture: ["echo_cancellation", "noise_suppression", "gain_control", "vad", "level_meter"],
      playout: ["vad", "level_meter"],
    };
  }
  return new MediaSession(codec, seed, undefined, 10, null, undefined, undefined, options);
}

function signals(rate) {
  const n = rate * SECONDS;
  let seed = 0x12345678;
  const far = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const t = i / rate;
    const f = 180 + 60 * Math.sin(t * 3);
    far[i] = Math.sin(t * f * 2 * Math.PI) * 6000 + (seed >>> 16) * 0.02 - 655;
  }
  const delay = rate / 25;
  const mic = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const echo = i >= delay ? far[i - delay] * 0.3 : 0;
    mic[i] = echo + Math.sin((i / rate) * 310 * 2 * Math.PI) * 1500;
  }
  return [Int16Array.from(far, Math.trunc), mic];
}

function run(codec, rate, voice) {
  const [farPcm, mic] = signals(rate);
  const step = rate / 100;
  const frames = farPcm.length / step;
  const far = session(codec, false, 2n);
  const packets = [];
  for (let i = 0; i < frames; i++) {
    far.pushCapture(i * 10000, farPcm.subarray(i * step, (i + 1) * step));
    packets.push(far.pollTransmit(i * 10000));
  }
  const runs = [];
  for (let r = 0; r < 5; r++) {
    const near = session(codec, voice, 1n);
    const start = process.hrtime.bigint();
    for (let i = 0; i < frames; i++) {
      const now = i * 10000;
      near.handleRtp(now, packets[i]);
      near.pullPlayout(now);
      near.pushCapture(now, mic.subarray(i * step, (i + 1) * step));
      while (near.pollTransmit(now) !== undefined);
      while (near.pollEvent() !== undefined);
    }
    runs.push(Number(process.hrtime.bigint() - start) / 1000 / frames);
    near.free();
  }
  runs.sort((a, b) => a - b);
  return runs[2];
}

for (const [codec, rate] of [["PCMU", 8000], ["G722", 16000]]) {
  const on = run(codec, rate, true);
  const off = run(codec, rate, false);
  console.log(`${rate} ${on.toFixed(1)} ${off.toFixed(1)}`);
}
