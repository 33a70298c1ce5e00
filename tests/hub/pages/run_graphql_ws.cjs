// Loads the served graphql-ws bundle as a page would (window.graphqlWs), starts one
// subscription on a stand-in WebSocket and prints the socket's URL, protocol and first message.
"use strict";

const fs = require("fs");
const vm = require("vm");

const [bundlePath, url, params] = process.argv.slice(2);
const sandbox = { console, setTimeout, clearTimeout };
sandbox.globalThis = sandbox;
sandbox.self = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(bundlePath, "utf8"), sandbox, { filename: bundlePath });

class StandInSocket {
  constructor(address, protocol) {
    this.address = address;
    this.protocol = protocol;
    this.readyState = StandInSocket.CONNECTING;
    setTimeout(() => {
      this.readyState = StandInSocket.OPEN;
      this.onopen();
    }, 0);
  }

  send(data) {
    const first = { url: this.address, protocol: this.protocol, message: JSON.parse(data) };
    process.stdout.write(JSON.stringify(first));
    process.exit(0);
  }

  close() {}
}
Object.assign(StandInSocket, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });

const client = sandbox.graphqlWs.createClient({
  url,
  connectionParams: JSON.parse(params) || undefined,
  lazy: true,
  webSocketImpl: StandInSocket,
});
client.subscribe({ query: "subscription { x }" }, {
  next: () => {},
  error: (err) => {
    process.stderr.write(String(err));
    process.exit(1);
  },
  complete: () => {},
});
