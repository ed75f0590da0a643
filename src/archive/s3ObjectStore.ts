import { DeleteObjectCommand, GetObjectCommand, ListObjectsCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { createS3Client, type RetryLayer } from '../aws/awsClients.ts';
import { isTransientAwsError } from '../aws/awsErrors.ts';
import type { Config } from '../config/configSchema.ts';
import { ObjectStoreError, type ListedObject, type ObjectStore } from './ObjectStore.ts';

export interface S3ObjectStoreOptions {
  /** Objects larger than this go up as multipart uploads in parts of this size (≥ 5 MiB). */
  partSizeBytes: number;
  /** Parts uploaded at once. */
  queueSize?: number;
}

function wrap(operation: string, key: string, err: unknown): ObjectStoreError {
  return new ObjectStoreError(operation, key, err, isTransientAwsError(err));
}

/** The ObjectStore port on an S3 bucket; uploads through @aws-sdk/lib-storage. */
export function s3ObjectStore(s3: S3Client, bucket: string, o: S3ObjectStoreOptions): ObjectStore {
  return {
    async put(key, body, contentType) {
      try {
        await new Upload({
          client: s3,
          params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
          partSize: o.partSizeBytes,
          queueSize: o.queueSize ?? 4,
          leavePartsOnError: false,
        }).done();
      } catch (err) {
        throw wrap('upload', key, err);
      }
    },
    async *list(prefix) {
      // ListObjects (v1) paged by Marker = the last key seen: the same on AWS and on the embedded
      // s3rver, whose v2 continuation tokens need OpenSSL's legacy DES past 1000 keys.
      let marker: string | undefined;
      for (;;) {
        let page;
        try {
          page = await s3.send(new ListObjectsCommand({ Bucket: bucket, Prefix: prefix, ...(marker !== undefined ? { Marker: marker } : {}) }));
        } catch (err) {
          throw wrap('list', prefix, err);
        }
        const contents = page.Contents ?? [];
        for (const c of contents) {
          if (c.Key) yield { key: c.Key, size: c.Size ?? 0, lastModifiedMs: c.LastModified?.getTime() ?? 0 } satisfies ListedObject;
        }
        if (!page.IsTruncated) return;
        const last = page.NextMarker ?? contents[contents.length - 1]?.Key;
        if (last === undefined || last === marker) throw new ObjectStoreError('list', prefix, new Error('truncated listing that does not advance'), false);
        marker = last;
      }
    },
    async get(key) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return Buffer.from(await r.Body!.transformToByteArray());
      } catch (err) {
        throw wrap('get', key, err);
      }
    },
    async delete(key) {
      try {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      } catch (err) {
        throw wrap('delete', key, err);
      }
    },
  };
}

/**
 * The archive's ObjectStore on the configured bucket, with the client to destroy when done.
 * `ours` for the archive worker, whose uploads are retried by ArchiveProcessor; `sdk` for callers
 * without a retry loop (replay, audit, the scheduler's clean-up).
 */
export function configuredObjectStore(config: Config, retryLayer: RetryLayer): { objectStore: ObjectStore; close(): void } {
  const s3 = createS3Client(config, { retryLayer });
  return { objectStore: s3ObjectStore(s3, config.s3.bucket, { partSizeBytes: config.archive.multipartThresholdBytes }), close: () => s3.destroy() };
}
