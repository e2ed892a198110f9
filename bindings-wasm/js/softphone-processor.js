// An AudioWorklet processor running one mediacore `MediaSession`: the node's input is the
// microphone, its output the speaker, and RTP datagrams travel over its MessagePort. The
// AudioContext must run at the session's rate (8000 Hz for PCMU/PCMA), since nothing here
// resamples. Time is the audio clock: `currentFrame / sampleRate`, in microseconds.
//
//   main thread                               this processor
//   ---------------------------------------   -------------------------------------------
//   new AudioWorkletNode(ctx, "mediacore-softphone",
//     { processorOptions: { module, codec, seed } })   (module: a compiled WebAssembly.Module)
//   node.port.postMessage(datagram)      -->  handleRtp         (errors: {type: "rtp_error"})
//   node.port.postMessage("stats")       -->  {type: "stats", stats}
//   node.port.onmessage                  <--  {type: "ready" | "rtp" | "event" | ...}
import "./text-codec-polyfill.js";
import { initSync, MediaSession } from "../pkg/mediacore_wasm.js";

class MediacoreSoftphone extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const { module, codec = "PCMU", seed = 0 } = options.processorOptions;
    initSync({ module });
    this.session = new MediaSession(codec, BigInt(seed));
    if (this.session.sampleRate !== sampleRate) {
      throw new Error(
        `the AudioContext runs at ${sampleRate} Hz; ${codec} needs ${this.session.sampleRate} Hz`,
      );
    }
    this.mic = new Int16Array(0);
    this.speaker = new Int16Array(0);
    this.speakerPos = 0;
    this.port.onmessage = (e) => this.onMessage(e.data);
    this.port.postMessage({
      type: "ready",
      localSsrc: this.session.localSsrc,
      sampleRate: this.session.sampleRate,
      frameSamples: this.session.frameSamples,
    });
  }

  nowUs() {
    return (currentFrame / sampleRate) * 1e6;
  }

  onMessage(data) {
    if (data === "stats") {
      this.port.postMessage({ type: "stats", stats: this.session.stats() });
      return;
    }
    try {
      this.session.handleRtp(this.nowUs(), data);
    } catch (err) {
      // A bad datagram changes nothing in the session; report it and carry on.
      this.port.postMessage({ type: "rtp_error", message: err.message });
    }
  }

  process(inputs, outputs) {
    const now = this.nowUs();
    const mic = inputs[0]?.[0];
    if (mic) {
      if (this.mic.length !== mic.length) this.mic = new Int16Array(mic.length);
      for (let i = 0; i < mic.length; i++) {
        this.mic[i] = Math.max(-32768, Math.min(32767, Math.round(mic[i] * 32768)));
      }
      this.session.pushCapture(now, this.mic);
    }
    for (let d; (d = this.session.pollTransmit(now)) !== undefined; ) {
      this.port.postMessage({ type: "rtp", datagram: d }, [d.buffer]);
    }
    const out = outputs[0]?.[0];
    if (out) {
      // The session plays in ptime frames (160 samples); the render quantum is 128.
      for (let i = 0; i < out.length; i++) {
        if (this.speakerPos === this.speaker.length) {
          this.speaker = this.session.pullPlayout(now);
          this.speakerPos = 0;
        }
        out[i] = this.speaker[this.speakerPos++] / 32768;
      }
    }
    for (let ev; (ev = this.session.pollEvent()) !== undefined; ) {
      this.port.postMessage({ type: "event", event: ev });
    }
    this.session.handleTimeout(now);
    return true;
  }
}

registerProcessor("mediacore-softphone", MediacoreSoftphone);
