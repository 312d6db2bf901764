// Audio worklets (run on the browser's audio thread). The AudioContext runs at 48 kHz, the call's rate, so no
// resampling happens here.

const FRAME = 960; // 20 ms at 48 kHz: the SDK's frame

// Microphone: gathers 128-sample render quanta into 20 ms int16 frames and posts each to the page.
class CaptureProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.frame = new Int16Array(FRAME);
    this.filled = 0;
  }

  process(inputs) {
    const channel = inputs[0]?.[0];
    if (!channel) return true;
    for (let i = 0; i < channel.length; i++) {
      const s = Math.max(-1, Math.min(1, channel[i]));
      this.frame[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
      if (this.filled === FRAME) {
        this.port.postMessage(this.frame, [this.frame.buffer]);
        this.frame = new Int16Array(FRAME);
        this.filled = 0;
      }
    }
    return true;
  }
}

// Speaker: a small playout buffer between the server's 20 ms frames and the 128-sample render quanta. It starts
// playing once PRIME frames are queued. A burst of frames is absorbed, but when the buffer's shortest length over the
// last second stayed above TARGET frames, the excess is dropped, so a delay that built up once does not last; above
// MAX_FRAMES the oldest audio always goes.
const PRIME = 2, TARGET = 2, MAX_FRAMES = 15, WINDOW = 48000;
class PlayoutProcessor extends AudioWorkletProcessor {
  constructor() {
    super();
    this.queue = [];
    this.offset = 0;      // read position in queue[0]
    this.buffered = 0;    // samples queued
    this.playing = false;
    this.underruns = 0;
    this.played = new Int16Array(FRAME);
    this.playedFill = 0;
    this.shortest = Infinity;
    this.windowFill = 0;
    this.port.onmessage = (e) => {
      this.queue.push(e.data);
      this.buffered += e.data.length;
      while (this.buffered > MAX_FRAMES * FRAME) {
        const dropped = this.queue.shift();
        this.buffered -= dropped.length - this.offset;
        this.offset = 0;
      }
      if (!this.playing && this.buffered >= PRIME * FRAME) this.playing = true;
    };
  }

  drop(samples) {
    while (samples > 0 && this.queue.length) {
      const head = this.queue[0];
      const take = Math.min(samples, head.length - this.offset);
      this.offset += take; this.buffered -= take; samples -= take;
      if (this.offset === head.length) { this.queue.shift(); this.offset = 0; }
    }
  }

  process(_, outputs) {
    const out = outputs[0][0];
    this.shortest = Math.min(this.shortest, this.buffered);
    this.windowFill += out.length;
    if (this.windowFill >= WINDOW) {
      if (this.playing && this.shortest > TARGET * FRAME) this.drop(this.shortest - TARGET * FRAME);
      this.shortest = Infinity;
      this.windowFill = 0;
    }
    for (let i = 0; i < out.length; i++) {
      let sample = 0;
      if (this.playing && this.buffered > 0) {
        const head = this.queue[0];
        sample = head[this.offset++];
        this.buffered--;
        if (this.offset === head.length) { this.queue.shift(); this.offset = 0; }
      } else if (this.playing) {
        this.playing = false; // ran dry: wait until PRIME frames are queued again
        this.underruns++;
      }
      out[i] = sample / 0x8000;
      this.played[this.playedFill++] = sample;
      if (this.playedFill === FRAME) {
        this.port.postMessage({ played: this.played, bufferedMs: this.buffered / 48, underruns: this.underruns }, [this.played.buffer]);
        this.played = new Int16Array(FRAME);
        this.playedFill = 0;
      }
    }
    return true;
  }
}

registerProcessor('capture', CaptureProcessor);
registerProcessor('playout', PlayoutProcessor);
