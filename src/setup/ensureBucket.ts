import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { awsErrorName, httpStatusOf } from '../aws/awsErrors.ts';

/** `locationConstraint`: the region for AWS outside us-east-1; omitted for us-east-1 and emulators. */
export async function ensureBucket(s3: S3Client, bucket: string, locationConstraint?: string): Promise<{ created: boolean }> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return { created: false };
  } catch (err) {
    if (httpStatusOf(err) !== 404 && awsErrorName(err) !== 'NotFound' && awsErrorName(err) !== 'NoSuchBucket') throw err;
  }
  try {
    await s3.send(
      new CreateBucketCommand({
        Bucket: bucket,
        ...(locationConstraint ? { CreateBucketConfiguration: { LocationConstraint: locationConstraint as never } } : {}),
      }),
    );
    return { created: true };
  } catch (err) {
    if (awsErrorName(err) === 'BucketAlreadyOwnedByYou') return { created: false };
    // Lost a creation race (or the name is someone else's): ours if we can reach it.
    if (awsErrorName(err) === 'BucketAlreadyExists') {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
      return { created: false };
    }
    throw err;
  }
}
