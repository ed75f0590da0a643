import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { isTransientAwsError } from '../aws/awsErrors.ts';
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
      let token: string | undefined;
      do {
        let page;
        try {
          page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        } catch (err) {
          throw wrap('list', prefix, err);
        }
        for (const c of page.Contents ?? []) {
          if (c.Key) yield { key: c.Key, size: c.Size ?? 0, lastModifiedMs: c.LastModified?.getTime() ?? 0 } satisfies ListedObject;
        }
        if (page.IsTruncated && !page.NextContinuationToken) throw new ObjectStoreError('list', prefix, new Error('truncated listing without a continuation token'), false);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
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
