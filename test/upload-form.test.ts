import { describe, expect, it } from 'vitest';
import { readUpload } from '../web/chat/upload';

const boundary = 'form-boundary';
const encoder = new TextEncoder();
const head = encoder.encode(
  `--${boundary}\r\ncontent-disposition: form-data; name="id"\r\n\r\nm-1\r\n--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="a.jpg"\r\ncontent-type: image/jpeg\r\n\r\n`,
);
const posted = (body: ReadableStream<Uint8Array> | string) =>
  new Request('http://kabinet.test/chat/upload', {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
    duplex: 'half',
  } as RequestInit);

describe('reading an uploaded picture from a multipart body', () => {
  it('takes one file and its message id', async () => {
    const body = `${new TextDecoder().decode(head)}JPEGBYTES\r\n--${boundary}--\r\n`;
    const read = await readUpload(posted(body), 1024);
    expect(read.ok && [read.value.id, read.value.name, new TextDecoder().decode(read.value.bytes)]).toEqual([
      'm-1',
      'a.jpg',
      'JPEGBYTES',
    ]);
  });

  it('drops an upload that stops arriving, instead of holding its slot', async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(head);
        controller.enqueue(new Uint8Array(1000));
        // …and nothing more, ever.
      },
    });
    const started = Date.now();
    expect(await readUpload(posted(stalled), 1024 * 1024, 200)).toEqual({ ok: false, error: 'too_slow' });
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('refuses a declared length over the limit before reading a byte', async () => {
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(1024));
      },
    });
    const request = new Request('http://kabinet.test/chat/upload', {
      method: 'POST',
      headers: {
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': String(50 * 1024 * 1024),
      },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(await readUpload(request, 20 * 1024 * 1024)).toEqual({ ok: false, error: 'too_large' });
    expect(pulled).toBeLessThanOrEqual(1); // a stream may be primed once on creation, never read
  });
});
