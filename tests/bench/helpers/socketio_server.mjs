/**
 * Baseline (c) of the fan-out benchmark: socket.io doing the same broadcast. Every viewer
 * joins one room; a `say` event from any client is emitted to the whole room as one
 * `danmaku` event. WebSocket transport only (no long-polling), no per-message compression,
 * as a tuned production deployment would run it. Runs under Node (`node
 * socketio_server.mjs`, resolving socket.io from the project's node_modules) or Deno.
 * Listens on PORT (0 = any free port) and prints `{"listening":<port>}` on stdout.
 */
import { createServer } from "node:http";
import process from "node:process";
import { Server } from "socket.io";

const http = createServer((_req, res) => res.end("socket.io bench server\n"));
const io = new Server(http, {
  transports: ["websocket"],
  perMessageDeflate: false,
  serveClient: false,
});

io.on("connection", (socket) => {
  socket.join("room");
  socket.on("say", (message) => io.to("room").emit("danmaku", message));
});

http.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const address = http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  process.stdout.write(JSON.stringify({ listening: port }) + "\n");
});

process.on("SIGTERM", () => {
  io.close();
  process.exit(0);
});
