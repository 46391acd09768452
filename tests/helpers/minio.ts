/**
 * A real MinIO server for tests: built once (see tests/services/build-go-tools.sh), started
 * on a free loopback port with a temp data dir, stopped and cleaned up by `stop()`.
 *
 *   const minio = await startMinio();
 *   // minio.endpoint, minio.accessKey, minio.secretKey
 *   await minio.stop();
 */
import { ensureGoTool, freeTcpPort, httpOk, onFreePorts, ServiceProcess } from "./go_tools.ts";

export interface MinioServer {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startMinio(): Promise<MinioServer> {
  const bin = await ensureGoTool("minio");
  return await onFreePorts(() => startMinioOnce(bin));
}

async function startMinioOnce(bin: string): Promise<MinioServer> {
  const dataDir = await Deno.makeTempDir({ prefix: "synapse-minio-" });
  const port = freeTcpPort();
  const consolePort = freeTcpPort();
  const accessKey = "synapse-test";
  const secretKey = "synapse-test-secret";
  const proc = new ServiceProcess("minio", bin, [
    "server",
    dataDir,
    "--quiet",
    "--address",
    `127.0.0.1:${port}`,
    "--console-address",
    `127.0.0.1:${consolePort}`,
  ], {
    MINIO_ROOT_USER: accessKey,
    MINIO_ROOT_PASSWORD: secretKey,
    MINIO_BROWSER: "off",
    MINIO_UPDATE: "off",
    HOME: dataDir,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await proc.waitUntil(() => httpOk(`${endpoint}/minio/health/ready`));
  } catch (err) {
    await proc.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    throw err;
  }
  return {
    endpoint,
    accessKey,
    secretKey,
    region: "us-east-1",
    dataDir,
    async stop() {
      await proc.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    },
  };
}
