/** Measurements the recording guards act on; injectable so deployments can swap them. */

export interface DiskProbe {
  /** Free bytes on the filesystem holding `dir`. */
  freeBytes(dir: string): Promise<number>;
}

/** `df` (coreutils) — Deno has no statfs. */
export class DfDiskProbe implements DiskProbe {
  async freeBytes(dir: string): Promise<number> {
    const out = await new Deno.Command("df", {
      args: ["-B1", "--output=avail", dir],
      stdout: "piped",
      stderr: "null",
    })
      .output();
    const n = Number(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1));
    if (!out.success || !Number.isFinite(n)) throw new Error(`df failed for ${dir}`);
    return n;
  }
}

export interface GuardLimits {
  /** Pause every recording while free disk under the work dir is below this. */
  minFreeDiskBytes: number;
  /** Pause while the bucket's `recordings/` usage is above this (undefined: no quota). */
  bucketQuotaBytes?: number;
}

/** Which limit is broken now, if any (disk first: it fails hardest). */
export function brokenLimit(
  limits: GuardLimits,
  freeDisk: number,
  bucketUsage: number | undefined,
): "disk_low" | "bucket_quota" | undefined {
  if (freeDisk < limits.minFreeDiskBytes) return "disk_low";
  if (
    limits.bucketQuotaBytes !== undefined && bucketUsage !== undefined &&
    bucketUsage > limits.bucketQuotaBytes
  ) {
    return "bucket_quota";
  }
  return undefined;
}
