/* The live connection to /ws/chat/ (protocol todo.v1): connects, reconnects with backoff, and
 * hands every frame to the page. The page decides how to show the state it reports. */

const PROTOCOLS = ["todo.v1"];
const SIGNED_OUT = 4401;

export class LiveSocket {
  /**
   * @param {string} path the socket's path, from the page
   * @param {{onFrame: Function, onOpen?: Function, onState?: Function}} handlers
   *   onState(state, detail): "connecting", "online", "signed-out", or "offline" with
   *   detail.retryIn (seconds until the next attempt).
   */
  constructor(path, { onFrame, onOpen = () => {}, onState = () => {} }) {
    this.path = path;
    this.onFrame = onFrame;
    this.onOpen = onOpen;
    this.onState = onState;
    this.socket = null;
    this.attempts = 0;
    this.retryTimer = null;
    this.everConnected = false;
  }

  get isOpen() {
    return !!this.socket && this.socket.readyState === WebSocket.OPEN;
  }

  connect() {
    window.clearTimeout(this.retryTimer);
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    this.onState("connecting", {});
    const socket = new WebSocket(scheme + window.location.host + this.path, PROTOCOLS);
    socket.addEventListener("open", () => this._opened());
    socket.addEventListener("message", (event) => this._received(event));
    socket.addEventListener("close", (event) => this._closed(event));
    this.socket = socket;
  }

  send(frame) {
    this.socket.send(JSON.stringify(frame));
  }

  _opened() {
    this.attempts = 0;
    this.onState("online", {});
    // A reconnect may have missed changes: the page then asks the server again.
    this.onOpen({ reconnected: this.everConnected });
    this.everConnected = true;
  }

  _received(event) {
    let frame;
    try {
      frame = JSON.parse(event.data);
    } catch (e) {
      return;
    }
    this.onFrame(frame);
  }

  _closed(event) {
    this.socket = null;
    if (event.code === SIGNED_OUT) {
      this.onState("signed-out", {});
      return;
    }
    this.attempts += 1;
    // Exponential backoff with jitter, capped, so a restarted server is not stampeded.
    const delay = Math.min(30, 2 ** (this.attempts - 1)) * (0.8 + Math.random() * 0.4);
    this.onState("offline", { retryIn: Math.ceil(delay) });
    this.retryTimer = window.setTimeout(() => this.connect(), delay * 1000);
  }
}
