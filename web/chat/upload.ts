import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Busboy } from '@fastify/busboy';
import { fail, ok, type Result } from '../../core/result';

/** One picture posted by the page: its bytes, and the page's id for the message (a retry is handled once). */
export interface PostedFile {
  id: string;
  name: string;
  mime: string;
  bytes: Uint8Array;
}

export type UploadFormError = 'not_multipart' | 'too_large' | 'too_slow' | 'no_file' | 'bad_form';

/** What a form carries beside the file (boundaries, headers, the id field): allowed over the file's limit. */
const FORM_OVERHEAD = 16 * 1024;
const MESSAGE_ID = /^[\w-]{1,64}$/;

/**
 * Reads a multipart upload of one file and one `id` field, holding at most `maxBytes` of file: a declared
 * Content-Length over the limit is refused before a byte is read, and a body that grows past it (chunked, or
 * lying about its length) is cut off as soon as it does, never read whole; one still arriving after `timeoutMs`
 * is dropped.
 */
export async function readUpload(
  request: Request,
  maxBytes: number,
  timeoutMs = 60_000,
): Promise<Result<PostedFile, UploadFormError>> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) return fail('not_multipart');
  const declared = Number(request.headers.get('content-length'));
  if (declared > maxBytes + FORM_OVERHEAD) return fail('too_large');
  if (!request.body) return fail('no_file');
  const source = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);

  return new Promise((resolve) => {
    let settled = false;
    const timer = setTimeout(() => finish(fail('too_slow')), timeoutMs);
    const finish = (result: Result<PostedFile, UploadFormError>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      source.destroy(); // whatever is left of the body is not read
      resolve(result);
    };
    let id = '';
    let file: Omit<PostedFile, 'id'> | null = null;
    let parser: ReturnType<typeof Busboy>;
    try {
      parser = Busboy({
        headers: { 'content-type': type },
        limits: { files: 1, fields: 1, parts: 2, fileSize: maxBytes, fieldSize: 128, headerPairs: 10 },
      });
    } catch {
      return finish(fail('bad_form')); // no boundary, or one busboy cannot use
    }
    parser.on('field', (name, value) => {
      if (name === 'id') id = value;
    });
    parser.on('file', (_field, stream, name, _encoding, mime) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => finish(fail('too_large')));
      // A part cut off before its boundary: the stream errs, and an unheard error would end the process.
      stream.on('error', () => finish(fail('bad_form')));
      stream.on('end', () => {
        if (!stream.truncated) file = { name, mime, bytes: new Uint8Array(Buffer.concat(chunks)) };
      });
    });
    parser.on('finish', () => {
      if (!file) return finish(fail('no_file'));
      finish(MESSAGE_ID.test(id) ? ok({ id, ...file }) : fail('bad_form'));
    });
    parser.on('error', () => finish(fail('bad_form')));
    source.on('error', () => finish(fail('bad_form')));
    source.pipe(parser);
  });
}
