package s3

import (
	"bytes"
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/orderhist/orderhist/backend/s3/s3test"
)

// TestVersityHonoursConditions checks, below the store, that versitygw
// answers conditional requests as Amazon S3 documents them, for each
// request the store sends a condition with: a failed condition is 412
// PreconditionFailed, an If-Match on a missing key 404 NoSuchKey, on
// PutObject and on CompleteMultipartUpload alike. (Also DeleteObject,
// which the store does not make conditional because not every
// S3-compatible server supports it.)
func TestVersityHonoursConditions(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	st := openVersity(t, srv, "")
	ctx := s3test.Context(t)
	c, bucket := st.client, aws.String(st.url.Bucket)

	put := func(ctx context.Context, key, ifNoneMatch, ifMatch string) error {
		in := &s3.PutObjectInput{Bucket: bucket, Key: aws.String(key), Body: bytes.NewReader([]byte("x"))}
		if ifNoneMatch != "" {
			in.IfNoneMatch = aws.String(ifNoneMatch)
		}
		if ifMatch != "" {
			in.IfMatch = aws.String(ifMatch)
		}
		_, err := c.PutObject(ctx, in)
		return err
	}
	complete := func(ctx context.Context, key, ifNoneMatch, ifMatch string) error {
		cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: bucket, Key: aws.String(key)})
		if err != nil {
			return err
		}
		up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: bucket, Key: aws.String(key), UploadId: cr.UploadId,
			PartNumber: aws.Int32(1), Body: bytes.NewReader([]byte("part"))})
		if err != nil {
			return err
		}
		in := &s3.CompleteMultipartUploadInput{Bucket: bucket, Key: aws.String(key), UploadId: cr.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: []types.CompletedPart{{ETag: up.ETag, PartNumber: aws.Int32(1)}}}}
		if ifNoneMatch != "" {
			in.IfNoneMatch = aws.String(ifNoneMatch)
		}
		if ifMatch != "" {
			in.IfMatch = aws.String(ifMatch)
		}
		_, err = c.CompleteMultipartUpload(ctx, in)
		if err != nil {
			c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: bucket, Key: aws.String(key), UploadId: cr.UploadId})
		}
		return err
	}
	del := func(ctx context.Context, key, _, ifMatch string) error {
		_, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: bucket, Key: aws.String(key), IfMatch: aws.String(ifMatch)})
		return err
	}
	existing, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: bucket, Key: aws.String("existing"), Body: bytes.NewReader([]byte("v1"))})
	if err != nil {
		t.Fatal(err)
	}
	etag := aws.ToString(existing.ETag)
	type op func(ctx context.Context, key, ifNoneMatch, ifMatch string) error
	for _, tc := range []struct {
		name            string
		op              op
		key             string
		ifNoneMatch     string
		ifMatch         string
		status          int
		code            string
		changesExisting bool
	}{
		{"PutObject If-None-Match on a taken key", put, "existing", "*", "", 412, "PreconditionFailed", false},
		{"PutObject If-Match with another ETag", put, "existing", "", `"0123456789abcdef0123456789abcdef"`, 412, "PreconditionFailed", false},
		{"PutObject If-Match on a missing key", put, "missing", "", `"0123456789abcdef0123456789abcdef"`, 404, "NoSuchKey", false},
		{"CompleteMultipartUpload If-None-Match on a taken key", complete, "existing", "*", "", 412, "PreconditionFailed", false},
		{"CompleteMultipartUpload If-Match with another ETag", complete, "existing", "", `"0123456789abcdef0123456789abcdef"`, 412, "PreconditionFailed", false},
		{"CompleteMultipartUpload If-Match on a missing key", complete, "missing", "", `"0123456789abcdef0123456789abcdef"`, 404, "NoSuchKey", false},
		{"DeleteObject If-Match with another ETag", del, "existing", "", `"0123456789abcdef0123456789abcdef"`, 412, "PreconditionFailed", false},
		{"PutObject If-None-Match on a free key", put, "free", "*", "", 200, "", false},
		{"CompleteMultipartUpload If-None-Match on a free key", complete, "free-mpu", "*", "", 200, "", false},
		{"PutObject If-Match with the ETag", put, "existing", "", etag, 200, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.op(ctx, tc.key, tc.ifNoneMatch, tc.ifMatch)
			if tc.status == 200 {
				if err != nil {
					t.Fatalf("%v", err)
				}
			} else if status(err) != tc.status || apiCode(err) != tc.code {
				t.Fatalf("got HTTP %d %q (%v), want %d %s", status(err), apiCode(err), err, tc.status, tc.code)
			}
			head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: bucket, Key: aws.String("existing")})
			if err != nil {
				t.Fatalf("the refused request removed the object: %v", err)
			}
			if changed := aws.ToString(head.ETag) != etag; changed != tc.changesExisting {
				t.Errorf("object changed: %v, want %v", changed, tc.changesExisting)
			}
		})
	}
}
