/**
 * The recording pause guard's notices in English and Chinese, as the Douyin document words them
 * (SSE `recording_paused` / `recording_resumed`, and the media status). A module of their own:
 * their Chinese text would store the whole media router two bytes a character in V8's heap.
 */
/** By pause reason. */
export const PAUSE_NOTICE: Record<string, { en: string; zh: string }> = {
  disk_low: {
    en: "Recording paused: free disk space is below the threshold; it resumes by itself.",
    zh: "录制已暂停：磁盘剩余空间低于阈值，空间恢复后将自动继续。",
  },
  bucket_quota: {
    en: "Recording paused: the storage quota is used up; it resumes by itself.",
    zh: "录制已暂停：存储配额已满，恢复后将自动继续。",
  },
};
export const RESUME_NOTICE = {
  en: "Recording resumed.",
  zh: "录制已恢复。",
};
