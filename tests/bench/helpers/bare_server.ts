/**
 * Baseline (b) of the fan-out benchmark: the least a Deno WebSocket broadcast server can do.
 * No actor, no validation, no batching: every text frame a client sends is forwarded as one
 * frame to every connected socket. Listens on PORT (0 = any free port) and prints
 * `{"listening":<port>}` on stdout once ready.
 *
 *   deno run -A tests/bench/helpers/bare_server.ts
 */
const sockets = new Set<WebSocket>();

const server = Deno.serve({
  port: Number(Deno.env.get("PORT") ?? 0),
  hostname: "127.0.0.1",
  onListen: ({ port }) => console.log(JSON.stringify({ listening: port })),
}, (request) => {
  if (request.headers.get("upgrade") !== "websocket") {
    return new Response(`${sockets.size} sockets\n`);
  }
  const { socket, response } = Deno.upgradeWebSocket(request);
  socket.onopen = () => sockets.add(socket);
  socket.onclose = () => sockets.delete(socket);
  socket.onerror = () => sockets.delete(socket);
  socket.onmessage = (event) => {
    if (typeof event.data !== "string") return;
    for (const peer of sockets) {
      if (peer.readyState === WebSocket.OPEN) peer.send(event.data);
    }
  };
  return response;
});

Deno.addSignalListener("SIGTERM", () => {
  server.shutdown().finally(() => Deno.exit(0));
});
