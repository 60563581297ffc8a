//! OSS signing of a typical request (PutObject of `files/a b/测试.png` with a Content-Type, as in vector D-5):
//! V1 and V4 header signing and presigning, beside a bare HMAC of the same string to sign as the floor.
//!
//! Run with `cargo bench -p oss-client --bench signing`.

use chrono::DateTime;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use oss_client::Credentials;
use oss_client::signing::{SignableRequest, bare_hmac_sha1, bare_hmac_sha256, v1, v4};
use std::hint::black_box;
use std::time::Duration;

fn typical() -> SignableRequest {
    let mut r = SignableRequest::new(http::Method::PUT, Some("lobechat-assets"), Some("files/a b/测试.png"));
    r.insert_header("content-type", "image/png").unwrap_or_default();
    r
}

fn bench(c: &mut Criterion) {
    let creds = Credentials::new("LTAI5tTESTACCESSKEYID", "TESTSECRET0123456789abcdefABCDEF");
    let now = DateTime::from_timestamp(1_735_689_600, 0).unwrap_or_default();
    let signer = v4::V4Signer::new("cn-beijing");

    // The strings to sign, computed once for the bare-HMAC floors.
    let mut r = typical();
    let v1_sts = v1::sign_header(&mut r, &creds, now).unwrap_or_default();
    let mut r = typical();
    let v4_sts = signer.sign_header(&mut r, &creds, now, &[]).map(|o| o.string_to_sign).unwrap_or_default();
    let v4_key = v4::signing_key("TESTSECRET0123456789abcdefABCDEF", "20250101", "cn-beijing");

    let mut group = c.benchmark_group("oss_signing");
    group.bench_function("bare_hmac_sha1(v1 string to sign)", |b| {
        b.iter(|| bare_hmac_sha1(black_box(b"TESTSECRET0123456789abcdefABCDEF"), black_box(v1_sts.as_bytes())))
    });
    group.bench_function("bare_hmac_sha256(v4 string to sign)", |b| {
        b.iter(|| bare_hmac_sha256(black_box(&v4_key), black_box(v4_sts.as_bytes())))
    });
    group.bench_function("v1_header", |b| {
        b.iter_batched(typical, |mut r| v1::sign_header(&mut r, &creds, black_box(now)), BatchSize::SmallInput)
    });
    group.bench_function("v4_header (cached signing key)", |b| {
        b.iter_batched(typical, |mut r| signer.sign_header(&mut r, &creds, black_box(now), &[]), BatchSize::SmallInput)
    });
    group.bench_function("v4_header (new signer: key derivation included)", |b| {
        b.iter_batched(
            typical,
            |mut r| v4::V4Signer::new("cn-beijing").sign_header(&mut r, &creds, black_box(now), &[]),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("v1_presign", |b| {
        b.iter_batched(
            typical,
            |mut r| v1::presign(&mut r, &creds, black_box(now) + chrono::Duration::seconds(600)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("v4_presign (cached signing key)", |b| {
        b.iter_batched(
            typical,
            |mut r| signer.presign(&mut r, &creds, black_box(now), Duration::from_secs(600), &[]),
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
