/**
 * The YAML the embedded media servers start from (written under DATA_DIR/media/): loopback
 * only, no external IP discovery, STUN pointed at loopback (nothing leaves the machine), and
 * the ingress's CPU admission costs lowered so a busy 2-core machine still accepts a stream.
 */

export interface LivekitPorts {
  http: number;
  rtcTcp: number;
  rtcUdp: number;
}

export interface IngressPorts {
  rtmp: number;
  whip: number;
  relay: number;
  health: number;
  rtcUdp: number;
}

/** A STUN address on loopback that nobody answers: no request leaves the machine. */
const LOOPBACK_STUN = "127.0.0.1:3478";

const q = JSON.stringify;

export function livekitYaml(opts: {
  ports: LivekitPorts;
  apiKey: string;
  apiSecret: string;
  redisAddress?: string;
  webhookUrl: string;
  /** Public base URLs LiveKit hands out for ingress (what OBS is told). */
  ingress?: { rtmpBaseUrl: string; whipBaseUrl: string };
}): string {
  const lines = [
    `port: ${opts.ports.http}`,
    "bind_addresses:",
    "  - 127.0.0.1",
    "keys:",
    `  ${opts.apiKey}: ${q(opts.apiSecret)}`,
    "rtc:",
    `  tcp_port: ${opts.ports.rtcTcp}`,
    `  udp_port: ${opts.ports.rtcUdp}`,
    "  use_external_ip: false",
    "  node_ip: 127.0.0.1",
    "  enable_loopback_candidate: true",
    "  stun_servers:",
    `    - ${q(LOOPBACK_STUN)}`,
    "webhook:",
    `  api_key: ${opts.apiKey}`,
    "  urls:",
    `    - ${q(opts.webhookUrl)}`,
    "logging:",
    "  level: warn",
  ];
  if (opts.redisAddress) lines.push("redis:", `  address: ${q(opts.redisAddress)}`);
  if (opts.ingress) {
    lines.push(
      "ingress:",
      `  rtmp_base_url: ${q(opts.ingress.rtmpBaseUrl)}`,
      `  whip_base_url: ${q(opts.ingress.whipBaseUrl)}`,
    );
  }
  return lines.join("\n") + "\n";
}

export function ingressYaml(opts: {
  ports: IngressPorts;
  apiKey: string;
  apiSecret: string;
  wsUrl: string;
  redisAddress: string;
}): string {
  return [
    `api_key: ${opts.apiKey}`,
    `api_secret: ${q(opts.apiSecret)}`,
    `ws_url: ${q(opts.wsUrl)}`,
    "redis:",
    `  address: ${q(opts.redisAddress)}`,
    `rtmp_port: ${opts.ports.rtmp}`,
    `whip_port: ${opts.ports.whip}`,
    `http_relay_port: ${opts.ports.relay}`,
    `health_port: ${opts.ports.health}`,
    "logging:",
    "  level: warn",
    "rtc_config:",
    `  udp_port: ${opts.ports.rtcUdp}`,
    "  use_external_ip: false",
    "  node_ip: 127.0.0.1",
    "  enable_loopback_candidate: true",
    "  stun_servers:",
    `    - ${q(LOOPBACK_STUN)}`,
    // The ingress admits a stream only while idle CPUs exceed its cost plus a reserve. The
    // defaults (2 CPUs per RTMP stream, 30 % idle kept) refuse every stream on a busy small
    // machine: near-zero costs (and INGRESS_ADMIT_ALL on our build, for a machine with no idle
    // CPU at all) leave the limit to the machine: one embedded server, a few streamers.
    "cpu_cost:",
    "  rtmp_cpu_cost: 0.01",
    "  whip_cpu_cost: 0.01",
    "  whip_bypass_transcoding_cpu_cost: 0.005",
    "  url_cpu_cost: 0.01",
    "  min_idle_ratio: 0.001",
  ].join("\n") + "\n";
}
