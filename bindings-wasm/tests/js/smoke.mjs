// The generated package as a page sees it: camelCase names, optional arguments, BigInt seeds,
// thrown `Error`s and the TypeScript declarations. Run by scripts/test-wasm.sh after
// `wasm-bindgen --target web --out-dir <pkg>`:  node bindings-wasm/tests/js/smoke.mjs <pkg>
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";

const pkg = resolve(process.argv[2] ?? "target/mediacore-wasm-pkg");
const wasm = await import(pathToFileURL(join(pkg, "mediacore_wasm.js")).href);
wasm.initSync({ module: readFileSync(join(pkg, "mediacore_wasm_bg.wasm")) });
const {
  Encoder,
  Decoder,
  MediaSession,
  Transcoder,
  DtmfDetector,
  generateDtmf,
  generateTone,
  Recorder,
  Prompt,
  PromptCache,
} = wasm;

const tone = (start, len) =>
  Int16Array.from({ length: len }, (_, k) =>
    Math.trunc(8000 * Math.sin((2 * Math.PI * 1000 * (start + k)) / 8000)),
  );

function throwsCoreError(fn, message) {
  assert.throws(fn, (err) => {
    assert.ok(err instanceof Error, "thrown value is an Error");
    assert.equal(err.message, message);
    return true;
  });
}

test("codecs encode and decode typed arrays", () => {
  const enc = new Encoder("pcmu", 8000, 1);
  assert.equal(enc.codec, "PCMU");
  assert.equal(enc.sampleRate, 8000);
  assert.equal(enc.channels, 1);
  assert.deepEqual(enc.encode(new Int16Array([0, 0])), new Uint8Array([0xff, 0xff]));
  assert.deepEqual(new Encoder("PCMA", 8000, 1).encode([0]), new Uint8Array([0xd5]));

  const dec = new Decoder("PCMU", 8000, 1);
  const pcm = tone(0, 160);
  const out = dec.decode(enc.encode(pcm));
  assert.ok(out instanceof Int16Array);
  assert.equal(out.length, 160);
  // G.711 µ-law keeps about 13 bits: the round trip is close, not equal.
  for (let k = 0; k < pcm.length; k++) assert.ok(Math.abs(out[k] - pcm[k]) <= 256);
  enc.free();
  dec[Symbol.dispose]();
});

test("core errors are thrown as Error with the core message", () => {
  throwsCoreError(
    () => new Encoder("G729", 8000, 1),
    'codec "G729" is not supported; supported codecs are PCMU, PCMA, G722, opus, L16, CN',
  );
  throwsCoreError(
    () => new Decoder("PCMU", 16000, 1),
    "PCMU does not run at 16000 Hz; supported rates: 8000",
  );
  throwsCoreError(
    () => new MediaSession("PCMU", 1n, undefined, 25),
    "invalid argument: ptime 25 ms is not supported; expected 10 to 120 ms in steps of 10 ms",
  );
  throwsCoreError(
    () => new Encoder("PCMU", 8000.5, 1),
    "invalid argument: sampleRate 8000.5 is not a whole number in 0..=4294967295",
  );
  const s = new MediaSession("PCMU");
  throwsCoreError(() => s.handleRtp(0, new Uint8Array([0x80])), "RTP packet is truncated: 12 bytes needed, 1 present");
  assert.equal(s.stats().packetsRejected, 1);
});

test("optional session arguments and seeds", () => {
  const a = new MediaSession("PCMU", 7n);
  const b = new MediaSession("PCMU", 7);
  assert.equal(a.localSsrc, b.localSsrc);
  assert.equal(new MediaSession("PCMU").localSsrc, new MediaSession("PCMU", 0n).localSsrc);
  assert.equal(a.payloadType, 0);
  assert.equal(a.sampleRate, 8000);
  assert.equal(a.frameSamples, 160);
  const c = new MediaSession("PCMA", 2n ** 64n - 1n, 96, 30, null);
  assert.equal(c.payloadType, 96);
  throwsCoreError(
    () => new MediaSession("PCMA", 0, 101),
    "invalid argument: telephone_event_payload_type 101 is the codec's payload type; they must differ",
  );
  assert.equal(c.frameSamples, 240);
  assert.throws(() => new MediaSession("PCMU", 2n ** 64n), /invalid argument: seed /);
  assert.throws(() => new MediaSession("PCMU", -1), /invalid argument: seed /);
});

test("DTMF and tones from plain JS", () => {
  const pcm = generateDtmf("12#", 8000, { durationMs: 80, gapMs: 60 });
  assert.ok(pcm instanceof Int16Array);
  assert.equal(pcm.length, 3 * 140 * 8);
  const detector = new DtmfDetector(8000);
  const digits = [...detector.process(pcm), ...detector.flush()];
  assert.deepEqual(digits.map((d) => d.digit), ["1", "2", "#"]);
  assert.deepEqual(Object.keys(digits[0]), ["digit", "startMs", "durationMs"]);
  assert.ok(Math.abs(digits[1].startMs - 140) <= 10 && Math.abs(digits[1].durationMs - 80) <= 10);
  const busy = generateTone("us/busy", 8000, 1000);
  assert.ok(busy.slice(0, 4000).some((x) => x !== 0) && busy.slice(4000).every((x) => x === 0));
  throwsCoreError(
    () => generateTone("480+620/500,0/x", 8000, 100),
    "invalid argument: tone plan is invalid at byte 14: expected a duration in milliseconds, found 'x'",
  );
  const a = new MediaSession("PCMU", 1n);
  a.collectDigits(0, { maxDigits: 1 });
  a.pushSignalledDigit(5, "7");
  assert.deepEqual(a.pollEvent(), { type: "dtmf", digit: "7", durationMs: 0, source: "signalling" });
  assert.deepEqual(a.pollEvent(), {
    type: "digits_collected", digits: "7", reason: "max_digits", terminator: null,
    minDigitsMet: true, endedAtUs: 5,
  });
});

test("two sessions in a call, driven like an AudioWorklet loop", () => {
  const alice = new MediaSession("PCMU", 1n);
  const bob = new MediaSession("PCMU", 2n, undefined, undefined, 100);
  const frame = bob.frameSamples;
  let heard = 0;
  for (let tick = 0; tick < 6; tick++) {
    const nowUs = tick * 20_000;
    alice.pushCapture(nowUs, tone(tick * frame, frame));
    for (let d; (d = alice.pollTransmit(nowUs)) !== undefined; ) {
      assert.ok(d instanceof Uint8Array);
      bob.handleRtp(nowUs, d);
    }
    const speaker = bob.pullPlayout(nowUs);
    assert.ok(speaker instanceof Int16Array);
    assert.equal(speaker.length, frame);
    if (speaker.some((s) => s !== 0)) heard++;
    bob.handleTimeout(nowUs);
  }
  // Playout starts once the jitter buffer holds its initial delay (2 or 3 frames).
  assert.ok(heard >= 3, `bob heard ${heard} frames`);
  assert.equal(bob.codec, "PCMU");
  assert.equal(bob.remoteSsrc, alice.localSsrc);
  assert.equal(alice.remoteSsrc, undefined);
  assert.deepEqual(bob.pollEvent(), { type: "remote_source_started", ssrc: alice.localSsrc });
  assert.equal(bob.pollEvent(), undefined);
  assert.equal(bob.pollTimeout(), 120_000);
  bob.handleTimeout(300_000);
  assert.deepEqual(bob.pollEvent(), { type: "rtp_timeout", silentForMs: 200 });
  const stats = bob.stats();
  assert.equal(stats.packetsReceived, 6);
  assert.equal(alice.stats().packetsSent, 6);
  assert.equal(JSON.parse(JSON.stringify(stats)).bytesReceived, 960);
});

test("Opus options are a plain object with camelCase keys", () => {
  const enc = new Encoder("opus", 16000, 1, { bitrate: 32000, frameMs: 40, inbandFec: true, expectedLossPercent: 5 });
  assert.deepEqual(enc.opusSettings, {
    application: "voip", bitrate: 32000, complexity: 9, cbr: true,
    inbandFec: true, expectedLossPercent: 5, frameMs: 40,
  });
  const pcm = Int16Array.from({ length: 640 }, (_, k) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * k) / 16000)));
  assert.equal(enc.encode(pcm).length, (32000 * 40) / 8000);
  assert.equal(new Encoder("PCMU", 8000, 1).opusSettings, undefined);
  assert.equal(new Encoder("opus", 48000, 2, { bitrate: undefined }).opusSettings.bitrate, 24000);
  assert.throws(() => new Encoder("opus", 16000, 1, { bitRate: 32000 }), /opus option "bitRate" is not known/);
  assert.throws(() => new Encoder("PCMA", 8000, 1, { cbr: true }), /cbr only applies to the opus codec; got PCMA/);
  assert.throws(() => new Encoder("opus", 16000, 1, { bitrate: 1000 }), /opus bitrate 1000 bit\/s is out of range/);

  const dec = new Decoder("opus", 16000, 1);
  const lost = dec.conceal(320);
  assert.ok(lost instanceof Int16Array);
  assert.equal(lost.length, 320);
  assert.equal(dec.decodeFec(enc.encode(pcm), 640).length, 640);
  assert.throws(() => new Decoder("CN", 8000, 1).conceal(160), /CN has no loss concealment/);
  assert.throws(() => new Decoder("PCMU", 8000, 1).decodeFec(new Uint8Array([0]), 160), /PCMU has no in-band FEC/);
});

test("a Transcoder turns PCMU into Opus and G.722", () => {
  const pcmu = new Encoder("PCMU", 8000, 1).encode(tone(0, 160));
  const t = new Transcoder("PCMU", 8000, 1, "opus", 48000, 1);
  const out = t.transcode(pcmu);
  assert.ok(Array.isArray(out));
  assert.equal(out.length, 1);
  assert.ok(out[0] instanceof Uint8Array);
  assert.equal(out[0].length, 60);
  assert.equal(t.pollPayload(), undefined);
  assert.equal(t.outputCodec, "opus");
  assert.equal(t.dropped, 0);
  const g722 = new Transcoder("PCMU", 8000, 1, "G722", 16000, 1, 40);
  g722.push(pcmu);
  assert.equal(g722.pollPayload(), undefined);
  g722.push(pcmu);
  assert.equal(g722.pollPayload().length, 320);
  const opus16 = new Transcoder("PCMU", 8000, 1, "opus", 16000, 1, 20, { bitrate: 16000 });
  assert.equal(opus16.transcode(pcmu)[0].length, 40);
  assert.throws(() => new Transcoder("PCMU", 8000, 1, "opus", 48000, 1, 20, { frameMs: 20 }), /outputPtimeMs sets the opus frame duration/);
});

test("a session at 16 kHz with Opus options", () => {
  const s = new MediaSession("opus", 1n, 111, undefined, undefined, 16000, { bitrate: 32000 });
  assert.equal(s.sampleRate, 16000);
  assert.equal(s.frameSamples, 320);
  s.pushCapture(0, new Int16Array(320));
  assert.equal(s.pollTransmit(0).length, 12 + 80);
  assert.equal(new MediaSession("L16", 0, 96, 10, null, 48000).frameSamples, 480);
  assert.throws(() => new MediaSession("PCMU", 0, undefined, undefined, undefined, 16000), /PCMU does not run at 16000 Hz/);
});

test("receive options, RTCP and BYE from plain JS", () => {
  const options = { minDelayMs: 20, maxDelayMs: 300, qualityIntervalMs: 1000, cname: "a@b" };
  const alice = new MediaSession("PCMU", 1n, undefined, undefined, null, undefined, undefined, options);
  const bob = new MediaSession("PCMU", 2n, undefined, undefined, null, undefined, undefined, options);
  const frame = bob.frameSamples;
  const events = [];
  for (let tick = 0; tick < 600; tick++) {                   // 12 s
    const nowUs = tick * 20_000;
    alice.pushCapture(nowUs, tone(tick * frame, frame));
    for (let d; (d = alice.pollTransmit(nowUs)) !== undefined; ) {
      if (tick % 25 !== 7) bob.handleRtp(nowUs, d);             // one packet in 25 lost
    }
    bob.pullPlayout(nowUs);
    for (const [from, to] of [[alice, bob], [bob, alice]]) {
      from.handleTimeout(nowUs);
      for (let c; (c = from.pollRtcp(nowUs)) !== undefined; ) to.handleRtcp(nowUs, c);
    }
    for (let ev; (ev = bob.pollEvent()) !== undefined; ) events.push(ev);
  }
  const quality = events.filter((e) => e.type === "quality");
  assert.ok(quality.length >= 10, JSON.stringify(events));
  assert.ok(quality.every((q) => q.mos >= 1 && q.mos <= 4.5 && q.r > 0));
  assert.ok(bob.jitterStats().samplesConcealed > 0);
  assert.ok(bob.targetDelayMs() >= 20 && bob.targetDelayMs() <= 300);
  assert.equal(typeof bob.playoutDelayMs(), "number");
  assert.ok(alice.rtcpStats().rttSamples > 0, JSON.stringify(alice.rtcpStats()));
  assert.ok(bob.rtcpStats().reportsSent > 0 && bob.rtcpStats().reportsReceived > 0);
  assert.throws(() => bob.handleRtcp(12_000_000, new Uint8Array([0x80, 0xc9, 0, 5])),
    /RTCP packet is truncated/);
  assert.equal(bob.rtcpStats().rtcpRejected, 1);
  alice.close(12_000_000, "done");
  bob.handleRtcp(12_000_000, alice.pollRtcp(12_000_000));
  assert.deepEqual(bob.pollEvent(), { type: "remote_bye", ssrc: alice.localSsrc, reason: "done" });
  assert.throws(() => new MediaSession("PCMU", 1n, undefined, undefined, undefined, undefined,
    undefined, { jitterMode: "fixed", initialDelayMs: 600 }), /jitter buffer delays must satisfy/);
});

test("a recording made from JS decodes back as a prompt, once through the cache", () => {
  const rec = new Recorder({ layout: "mono", callId: "js-1", extra: { queue: "sales" } });
  for (let i = 0; i < 50; i++) rec.write(i * 20_000, 0, tone(i * 160, 160), 8000);
  const { bytes, summary } = rec.finish(1_000_000);
  assert.ok(bytes instanceof Uint8Array);
  assert.deepEqual(summary, {
    durationMs: 1000, bytes: bytes.length, sampleRate: 8000, channels: 1, format: "wav",
  });
  assert.throws(() => rec.finish(1_000_000), /this recorder has finished/);
  const { prompt, info } = Prompt.decodeInfo(bytes, 16000);
  assert.deepEqual(info, { format: "WAV", sourceRate: 8000, sourceChannels: 1, sourceFrames: 8000 });
  assert.equal(prompt.frames, 16000);
  const cache = new PromptCache();
  let loads = 0;
  const load = () => (loads++, bytes);
  const first = cache.getOrDecode("call.wav", 8000, load);
  assert.ok(first.sharesSamplesWith(cache.getOrDecode("call.wav", 8000, load)));
  assert.equal(loads, 1);
  assert.throws(() => cache.getOrDecode("x.wav", 8000, () => { throw new TypeError("offline"); }),
    TypeError);
  assert.throws(() => Prompt.decode(new Uint8Array(0), 8000), /empty/i);
});

test("TypeScript declarations type the optional arguments and results", () => {
  const dts = readFileSync(join(pkg, "mediacore_wasm.d.ts"), "utf8");
  for (const line of [
    "constructor(codec: string, seed?: bigint | number, payloadType?: number, ptimeMs?: number, rtpTimeoutMs?: number | null, sampleRate?: number, opus?: OpusOptions, options?: SessionOptions);",
    "constructor(codec: string, sampleRate: number, channels: number);",
    "constructor(codec: string, sampleRate: number, channels: number, opus?: OpusOptions);",
    "constructor(inputCodec: string, inputRate: number, inputChannels: number, outputCodec: string, outputRate: number, outputChannels: number, outputPtimeMs?: number, opus?: OpusOptions);",
    "readonly opusSettings: OpusSettings | undefined;",
    "conceal(samplesPerChannel: number): Int16Array;",
    "decodeFec(nextPayload: Uint8Array | number[], samplesPerChannel: number): Int16Array;",
    "pollPayload(): Uint8Array | undefined;",
    "transcode(payload: Uint8Array | number[]): Uint8Array[];",
    "export function generateDtmf(digits: string, sampleRate: number, options?: DtmfOptions): Int16Array;",
    "export function generateTone(plan: string, sampleRate: number, durationMs: number): Int16Array;",
    "process(pcm: Int16Array | number[]): DetectedDigit[];",
    "flush(): DetectedDigit[];",
    "processMuted(pcm: Int16Array | number[]): Int16Array;",
    "collectDigits(nowUs: number, options?: CollectOptions): void;",
    "pushSignalledDigit(nowUs: number, digit: string): void;",
    "sendDtmf(digits: string): void;",
    "export interface DetectedDigit {",
    "export interface CollectOptions {",
    "telephoneEventPayloadType?: number | null;",
    "export interface OpusSettings {",
    "export type OpusOptions = Partial<OpusSettings>;",
    "pollTransmit(nowUs: number): Uint8Array | undefined;",
    "pullPlayout(nowUs: number): Int16Array;",
    "pollEvent(): MediaEvent | undefined;",
    "pollTimeout(): number | undefined;",
    "readonly remoteSsrc: number | undefined;",
    "stats(): SessionStats;",
    "export type MediaEvent =",
    "export interface SessionStats {",
    "export interface SessionOptions {",
    "export interface JitterStats {",
    "export interface RtcpStats {",
    "export interface QualityReport {",
    "jitterStats(): JitterStats;",
    "playoutDelayMs(): number | undefined;",
    "targetDelayMs(): number;",
    "quality(): QualityReport | undefined;",
    "handleRtcp(nowUs: number, datagram: Uint8Array | number[]): void;",
    "pollRtcp(nowUs: number): Uint8Array | undefined;",
    "close(nowUs: number, reason?: string | null): void;",
    "rtcpStats(): RtcpStats;",
    "constructor(options?: RecordOptions, nowUs?: number);",
    "write(nowUs: number, leg: number, pcm: Int16Array | number[], sampleRate: number, channels?: number): void;",
    "finish(nowUs: number): FinishedRecording;",
    "pollEvent(): RecorderEvent | undefined;",
    "startRecording(nowUs: number, options?: RecordOptions): void;",
    "stopRecording(nowUs: number): FinishedRecording;",
    "recordingDurationMs(): number | undefined;",
    "static decode(bytes: Uint8Array | number[], sampleRate: number, channels?: number, options?: DecodeOptions): Prompt;",
    "static decodeInfo(bytes: Uint8Array | number[], sampleRate: number, channels?: number, options?: DecodeOptions): DecodedPrompt;",
    "getOrDecode(key: string, sampleRate: number, bytes: Uint8Array | (() => Uint8Array), channels?: number, maxSeconds?: number): Prompt;",
    "export interface RecordOptions {",
    "export interface RecordingSummary {",
    "export interface DecodeOptions {",
    "export interface CacheStats {",
    '| { type: "recording_failed"; message: string }',
    '| { type: "talk_started" | "talk_stopped"; direction: VoiceDirection; atUs: number };',
  ]) {
    assert.ok(dts.includes(line), `d.ts lacks: ${line}`);
  }
});

test("the AudioWorklet text codec polyfill matches the built-in UTF-8 codecs", async () => {
  const native = { TextEncoder: globalThis.TextEncoder, TextDecoder: globalThis.TextDecoder };
  const polyfill = join(dirname(fileURLToPath(import.meta.url)), "../../js/text-codec-polyfill.js");
  delete globalThis.TextEncoder;
  delete globalThis.TextDecoder;
  let Enc, Dec;
  try {
    await import(`${pathToFileURL(polyfill).href}?fresh`);
    ({ TextEncoder: Enc, TextDecoder: Dec } = globalThis);
  } finally {
    Object.assign(globalThis, native);
  }
  assert.notEqual(Enc, native.TextEncoder);
  const enc = new Enc();
  const dec = new Dec("utf-8", { ignoreBOM: true });
  assert.equal(dec.decode(), "");
  for (const text of ["", "PCMU", 'codec "é€" 😀 ok', "lone \ud800 surrogate", "\u07ff\u0800\uffff"]) {
    const bytes = enc.encode(text);
    assert.deepEqual(bytes, new native.TextEncoder().encode(text), JSON.stringify(text));
    assert.equal(dec.decode(bytes), new native.TextDecoder().decode(bytes));
    const framed = new Uint8Array(bytes.length + 4);
    framed.set(bytes, 2);
    assert.equal(dec.decode(framed.subarray(2, 2 + bytes.length)), dec.decode(bytes));
  }
});
