package s3

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/orderhist/orderhist/backend"
	"github.com/orderhist/orderhist/backend/backendtest"
	"github.com/orderhist/orderhist/backend/s3/s3test"
)

// killChildEnv makes the test binary the child of TestKillDuringUpload:
// it uploads into the location the variable names until it is killed.
const killChildEnv = "ORDERHIST_TEST_KILL_CHILD_URL"

const killKey = "orders/killed.parquet"

func TestMain(m *testing.M) {
	if url := os.Getenv(killChildEnv); url != "" {
		os.Exit(killChild(url))
	}
	os.Exit(m.Run())
}

func killChild(url string) int {
	s, err := Open(context.Background(), url, Config{PartSize: testPartSize, Concurrency: 2})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_, err = s.Put(context.Background(), killKey, &backendtest.Stalled{N: 4 * testPartSize}, backend.Cond{IfNoneMatch: true})
	fmt.Fprintln(os.Stderr, "put returned:", err)
	return 1
}

// TestKillDuringUpload kills a process with SIGKILL in the middle of a
// multipart upload: no object appears under the key, the upload is listed
// as incomplete, and AbortIncompleteUploads removes it.
func TestKillDuringUpload(t *testing.T) {
	srv := s3test.Start(t)
	srv.Env(t)
	s := openVersity(t, srv, "dataset")
	ctx := s3test.Context(t)

	var out bytes.Buffer
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killChildEnv+"="+s.Location())
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Killed once S3 holds two of its parts: the upload is well under way.
	parts := 0
	for deadline := time.Now().Add(time.Minute); parts < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child never uploaded two parts; its output:\n%s", out.String())
		}
		ups, err := s.ListIncompleteUploads(ctx, "orders/")
		if err != nil {
			t.Fatal(err)
		}
		if len(ups) == 1 {
			lp, err := s.client.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(s.url.Bucket), Key: aws.String(s.key(killKey)), UploadId: aws.String(ups[0].ID)})
			if err != nil {
				t.Fatal(err)
			}
			parts = len(lp.Parts)
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	backendtest.CheckKilledUpload(t, ctx, s, killKey)
}
