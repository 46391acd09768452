/**
 * The OCR's worker (a Deno Worker started by `OcrModels`, media/analysis/ocr_models.ts):
 * PP-OCRv4 (media/analysis/ocr.ts) on onnxruntime-node, off the serving event loop and off
 * every actor's mailbox. Each item is an image file's path (the worker decodes it with ffmpeg);
 * it answers one request at a time, in order, with the lines of each frame.
 */
import { Ocr, type OcrLine } from "./ocr.ts";
import { serveModel } from "../model_worker.ts";

let ocr: Promise<Ocr> | undefined;

serveModel<string, OcrLine[]>(async (path) => await (await (ocr ??= Ocr.load())).read(path));
