// UTF-8 `TextEncoder` / `TextDecoder` for scopes that lack them, such as Chromium's
// AudioWorkletGlobalScope. The wasm-bindgen glue builds both when it loads and uses them for
// every string (codec names, error messages), so import this module before the glue:
//
//   import "./text-codec-polyfill.js";
//   import { initSync, MediaSession } from "./pkg/mediacore_wasm.js";
//
// Where the globals exist this module does nothing. (The glue adds `encodeInto` itself.)

if (typeof globalThis.TextEncoder === "undefined") {
  globalThis.TextEncoder = class TextEncoder {
    get encoding() {
      return "utf-8";
    }

    encode(input = "") {
      const out = [];
      for (const ch of String(input)) {
        let cp = ch.codePointAt(0);
        if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd; // a lone surrogate
        if (cp < 0x80) {
          out.push(cp);
        } else if (cp < 0x800) {
          out.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
          out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
        } else {
          out.push(
            0xf0 | (cp >> 18),
            0x80 | ((cp >> 12) & 0x3f),
            0x80 | ((cp >> 6) & 0x3f),
            0x80 | (cp & 0x3f),
          );
        }
      }
      return Uint8Array.from(out);
    }
  };
}

if (typeof globalThis.TextDecoder === "undefined") {
  globalThis.TextDecoder = class TextDecoder {
    constructor(label = "utf-8") {
      if (!/^utf-?8$/i.test(label)) throw new RangeError(`encoding ${label} is not supported`);
    }

    get encoding() {
      return "utf-8";
    }

    decode(input) {
      if (input === undefined) return "";
      const b = ArrayBuffer.isView(input)
        ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
        : new Uint8Array(input);
      let out = "";
      for (let i = 0; i < b.length; ) {
        const c = b[i++];
        let cp = 0xfffd;
        if (c < 0x80) {
          cp = c;
        } else if (c >= 0xc2 && c < 0xe0 && i < b.length) {
          cp = ((c & 0x1f) << 6) | (b[i++] & 0x3f);
        } else if (c >= 0xe0 && c < 0xf0 && i + 1 < b.length) {
          cp = ((c & 0x0f) << 12) | ((b[i++] & 0x3f) << 6) | (b[i++] & 0x3f);
        } else if (c >= 0xf0 && c < 0xf5 && i + 2 < b.length) {
          cp =
            ((c & 0x07) << 18) | ((b[i++] & 0x3f) << 12) | ((b[i++] & 0x3f) << 6) | (b[i++] & 0x3f);
        }
        out += String.fromCodePoint(cp > 0x10ffff ? 0xfffd : cp);
      }
      return out;
    }
  };
}
