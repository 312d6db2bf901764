// The page's media: captures the microphone (AudioWorklet, 48 kHz mono, 20 ms frames of int16) and the camera (pictures
// at the size and rate the server asks for, as I420) and streams them to the server on /ws/media; plays the call's
// received audio (AudioWorklet with a small playout buffer) and draws its decoded video on a canvas.
// Message layout (little-endian) is documented in Server/PageMedia.cs (MediaWire).

const MIC = 0x01, CAMERA = 0x02, PING = 0x03, PEER_AUDIO = 0x11, PEER_PICTURE = 0x12, PONG = 0x13;
const FRAME = 960;                  // 20 ms at 48 kHz
const RECORD_SECONDS = 12;          // played audio kept for inspection (tests read it through window.irohsocial)

export class CallMedia {
  constructor() {
    this.video = { width: 640, height: 480, fps: 24 };
    this.reset();
  }

  configure(video) { this.video = video; }

  reset() {
    this.context = null; this.socket = null; this.stream = null; this.cameraStream = null;
    this.sending = false; this.cameraSending = false; this.cameraTimer = null; this.pingTimer = null;
    this.rttMs = null; this.playoutMs = 0; this.underruns = 0; this.remoteFrames = 0; this.lastRemoteFrameAt = 0;
    this.sentAudioFrames = 0; this.sentPictures = 0; this.skippedPictures = 0;
    this.played = new Int16Array(48000 * RECORD_SECONDS); this.playedCount = 0; this.playedSinceStart = 0;
    this.startedAt = performance.now();
  }

  /** Frames per second sent and played since the call's media started (both should be 50: 20 ms frames). */
  rates() {
    const seconds = (performance.now() - this.startedAt) / 1000;
    return { seconds, sent: this.sentAudioFrames / seconds, played: this.playedSinceStart / 48000 / seconds * 50, contextRate: this.context ? this.context.currentTime / seconds : null };
  }

  get remoteVideoLive() { return Date.now() - this.lastRemoteFrameAt < 1000; }

  /** Opens the devices and the media socket; video asks for the camera too. */
  async start(video) {
    if (this.context) return;
    this.context = new AudioContext({ sampleRate: 48000, latencyHint: 'interactive' });
    this.startedAt = performance.now(); // rates() count from here, as the context's clock does
    await this.context.audioWorklet.addModule('worklets.js');
    // Voice processing (echo cancellation, noise suppression, gain control) suits speech through speakers; it also
    // treats steady tones as noise, so it can be switched off on the Me page (stored in this browser).
    const voice = localStorage.getItem('irohsocial.voiceProcessing') !== 'off';
    this.stream = await navigator.mediaDevices.getUserMedia({
      audio: { channelCount: 1, sampleRate: 48000, echoCancellation: voice, noiseSuppression: voice, autoGainControl: voice },
    });
    const capture = new AudioWorkletNode(this.context, 'capture', { numberOfInputs: 1, numberOfOutputs: 0 });
    capture.port.onmessage = (e) => this.sendAudio(e.data);
    this.context.createMediaStreamSource(this.stream).connect(capture);

    this.playout = new AudioWorkletNode(this.context, 'playout', { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    this.playout.port.onmessage = (e) => this.onPlayout(e.data);
    this.playout.connect(this.context.destination);
    await this.context.resume();

    await this.openSocket();
    this.pingTimer = setInterval(() => this.ping(), 1000);
    if (video) await this.enableCamera();
  }

  openSocket() {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/media`);
      socket.binaryType = 'arraybuffer';
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error('media connection failed'));
      socket.onmessage = (m) => this.onMessage(m.data);
      this.socket = socket;
    });
  }

  async enableCamera() {
    if (this.cameraStream) return;
    const { width, height, fps } = this.video;
    this.cameraStream = await navigator.mediaDevices.getUserMedia({ video: { width, height, frameRate: fps } });
    const local = document.getElementById('local-video');
    local.srcObject = this.cameraStream;
    await local.play().catch(() => { });
    const canvas = new OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    const planes = new Uint8Array(5 + width * height * 3 / 2);
    this.cameraTimer = setInterval(() => {
      if (!this.cameraSending || !this.socket || this.socket.readyState !== WebSocket.OPEN || local.readyState < 2) return;
      // A socket still busy with earlier pictures: skip this one rather than queue stale video.
      if (this.socket.bufferedAmount > planes.length * 2) { this.skippedPictures++; return; }
      ctx.drawImage(local, 0, 0, width, height);
      rgbaToI420(ctx.getImageData(0, 0, width, height).data, width, height, planes.subarray(5));
      planes[0] = CAMERA;
      new DataView(planes.buffer).setUint16(1, width, true);
      new DataView(planes.buffer).setUint16(3, height, true);
      this.socket.send(planes);
      this.sentPictures++;
    }, 1000 / fps);
  }

  disableCamera() {
    clearInterval(this.cameraTimer);
    this.cameraTimer = null;
    this.cameraStream?.getTracks().forEach((t) => t.stop());
    this.cameraStream = null;
    document.getElementById('local-video').srcObject = null;
  }

  setSending(on) { this.sending = on; }
  setCameraSending(on) { this.cameraSending = on; }

  sendAudio(pcm) {
    if (!this.sending || !this.socket || this.socket.readyState !== WebSocket.OPEN) return;
    const message = new Uint8Array(1 + pcm.byteLength);
    message[0] = MIC;
    message.set(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength), 1);
    this.socket.send(message);
    this.sentAudioFrames++;
  }

  ping() {
    if (this.socket?.readyState !== WebSocket.OPEN) return;
    const message = new DataView(new ArrayBuffer(9));
    message.setUint8(0, PING);
    message.setFloat64(1, performance.now(), true);
    this.socket.send(message.buffer);
  }

  onMessage(buffer) {
    const view = new DataView(buffer);
    switch (view.getUint8(0)) {
      case PONG: {
        const rtt = performance.now() - view.getFloat64(1, true);
        this.rttMs = this.rttMs == null ? rtt : this.rttMs * 0.8 + rtt * 0.2;
        break;
      }
      case PEER_AUDIO: {
        const pcm = new Int16Array(buffer.slice(1));
        this.playout?.port.postMessage(pcm, [pcm.buffer]);
        break;
      }
      case PEER_PICTURE:
        this.draw(view.getUint16(1, true), view.getUint16(3, true), new Uint8Array(buffer, 5));
        break;
    }
  }

  onPlayout(message) {
    this.playoutMs = message.bufferedMs;
    this.underruns = message.underruns;
    // Keep what was actually played (the last RECORD_SECONDS), for the latency display and for tests.
    const samples = message.played;
    for (let i = 0; i < samples.length; i++) this.played[(this.playedCount + i) % this.played.length] = samples[i];
    this.playedCount += samples.length;
    this.playedSinceStart += samples.length;
  }

  /** The last `count` played samples, oldest first. */
  playedSamples(count) {
    count = Math.min(count, this.playedCount, this.played.length);
    const out = new Int16Array(count);
    for (let i = 0; i < count; i++) out[i] = this.played[(this.playedCount - count + i) % this.played.length];
    return out;
  }

  draw(width, height, planes) {
    const canvas = document.getElementById('remote-video');
    if (canvas.width !== width || canvas.height !== height) { canvas.width = width; canvas.height = height; }
    const ctx = canvas.getContext('2d');
    if (typeof VideoFrame !== 'undefined') {
      // WebCodecs converts I420 on the browser's fast path.
      const frame = new VideoFrame(planes, { format: 'I420', codedWidth: width, codedHeight: height, timestamp: 0 });
      ctx.drawImage(frame, 0, 0);
      frame.close();
    } else {
      const image = ctx.createImageData(width, height);
      i420ToRgba(planes, width, height, image.data);
      ctx.putImageData(image, 0, 0);
    }
    this.remoteFrames++;
    this.lastRemoteFrameAt = Date.now();
  }

  /** What the browser<->server legs add to the call's mouth-to-ear delay, measured where it happens. */
  latencyText(server) {
    if (this.rttMs == null) return '';
    const capture = 20;                         // the capture worklet sends whole 20 ms frames
    const queue = server?.micQueueMs ?? 0;      // the server's wait before the encoder takes a frame
    const total = capture + this.rttMs + queue + this.playoutMs;
    return `browser↔server adds ≈ ${total.toFixed(0)} ms: capture frame ${capture} ms + socket round trip ${this.rttMs.toFixed(1)} ms`
      + ` + server queue ${queue.toFixed(1)} ms + playout buffer ${this.playoutMs.toFixed(0)} ms`
      + ` · underruns ${this.underruns}${server ? ` · dropped mic ${server.micDropped}, camera ${server.cameraDropped}` : ''}`;
  }

  stop() {
    clearInterval(this.pingTimer);
    this.disableCamera();
    this.stream?.getTracks().forEach((t) => t.stop());
    this.socket?.close();
    this.context?.close();
    const played = this.played, playedCount = this.playedCount;
    this.reset();
    // Keep the last call's played audio readable after it ends.
    this.played = played; this.playedCount = playedCount;
  }
}

// BT.601 limited range, 2x2 chroma averaging.
function rgbaToI420(rgba, w, h, out) {
  const cw = w >> 1, ch = h >> 1, uOffset = w * h, vOffset = uOffset + cw * ch;
  for (let y = 0, p = 0, o = 0; y < h; y++) {
    for (let x = 0; x < w; x++, p += 4) out[o++] = ((66 * rgba[p] + 129 * rgba[p + 1] + 25 * rgba[p + 2] + 128) >> 8) + 16;
  }
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const p = ((2 * y) * w + 2 * x) * 4, q = p + w * 4;
      const r = (rgba[p] + rgba[p + 4] + rgba[q] + rgba[q + 4]) >> 2;
      const g = (rgba[p + 1] + rgba[p + 5] + rgba[q + 1] + rgba[q + 5]) >> 2;
      const b = (rgba[p + 2] + rgba[p + 6] + rgba[q + 2] + rgba[q + 6]) >> 2;
      out[uOffset + y * cw + x] = ((-38 * r - 74 * g + 112 * b + 128) >> 8) + 128;
      out[vOffset + y * cw + x] = ((112 * r - 94 * g - 18 * b + 128) >> 8) + 128;
    }
  }
}

function i420ToRgba(planes, w, h, out) {
  const cw = (w + 1) >> 1, uOffset = w * h, vOffset = uOffset + cw * ((h + 1) >> 1);
  for (let y = 0, o = 0; y < h; y++) {
    for (let x = 0; x < w; x++, o += 4) {
      const c = planes[y * w + x] - 16, d = planes[uOffset + (y >> 1) * cw + (x >> 1)] - 128, e = planes[vOffset + (y >> 1) * cw + (x >> 1)] - 128;
      out[o] = (298 * c + 409 * e + 128) >> 8;
      out[o + 1] = (298 * c - 100 * d - 208 * e + 128) >> 8;
      out[o + 2] = (298 * c + 516 * d + 128) >> 8;
      out[o + 3] = 255;
    }
  }
}
