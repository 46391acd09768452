/**
 * S3 settings from the configuration, apart from the client (media/s3.ts) so a process can
 * tell whether storage is configured without loading the AWS SDK.
 */
import type { MediaConfig } from "./config.ts";

export interface S3Settings {
  /** Endpoint URL (MinIO); unset for AWS. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/** The S3 settings of a configuration, or undefined when storage is not configured. */
export function s3SettingsFromConfig(config: MediaConfig): S3Settings | undefined {
  if (!config.S3_ACCESS_KEY || !config.S3_SECRET_KEY) return undefined;
  return {
    endpoint: config.S3_ENDPOINT,
    region: config.S3_REGION,
    bucket: config.S3_BUCKET,
    accessKeyId: config.S3_ACCESS_KEY,
    secretAccessKey: config.S3_SECRET_KEY,
  };
}
