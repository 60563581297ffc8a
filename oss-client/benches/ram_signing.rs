//! RPC signing of a CreatePolicy request (the least-privilege preset as the document): V2 (HMAC-SHA1 over
//! the double-encoded canonical query) and V3 (ACS3-HMAC-SHA256 over the canonical request), each beside a bare
//! HMAC of the same string to sign, so the cost of canonicalisation is visible.

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use oss_client::Credentials;
use oss_client::ram::signing::{self, sign_v2, sign_v3, v2_string_to_sign, v3_canonical_request, v3_string_to_sign};
use oss_client::ram::{PolicyDocument, RpcMethod};
use sha1::Sha1;
use sha2::Sha256;
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    let creds = Credentials::new("LTAI5tBenchmarkKey", "benchmark-secret-value-0123456789");
    let t = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let nonce = "c1a6f0a2-9a53-4a1e-8a0b-0d9b1f1f0002";
    let document = PolicyDocument::oss_bucket_objects("lobechat-assets").unwrap().to_json().unwrap();
    let business = vec![
        ("PolicyName", "lobechat-oss-rw".to_string()),
        ("Description", "LobeChat OSS access".to_string()),
        ("PolicyDocument", document.clone()),
    ];

    // The strings to sign, computed once for the bare-HMAC baselines.
    let v2_params = sign_v2(&creds, RpcMethod::Post, "CreatePolicy", "2015-05-01", &business, t, nonce);
    let v2_sts = v2_string_to_sign(RpcMethod::Post, v2_params.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    let v3 = sign_v3(&creds, "ram.aliyuncs.com", "CreatePolicy", "2015-05-01", &business, b"", None, t, nonce);
    let v3_canonical = v3_canonical_request(
        "POST",
        "/",
        business.iter().map(|(k, v)| (*k, v.as_str())),
        v3.headers.iter().filter(|(k, _)| k != "authorization").map(|(k, v)| (k.as_str(), v.as_str())),
        &signing::sha256_hex(b""),
    );
    let v3_sts = v3_string_to_sign(&v3_canonical.canonical_request);
    let secret = "benchmark-secret-value-0123456789";

    let mut group = c.benchmark_group("ram_create_policy_signing");
    group.bench_function("v2_full_sign", |b| {
        b.iter(|| {
            sign_v2(black_box(&creds), RpcMethod::Post, "CreatePolicy", "2015-05-01", black_box(&business), t, nonce)
        })
    });
    group.bench_function("v2_bare_hmac_sha1", |b| {
        let key = format!("{secret}&");
        b.iter(|| {
            let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key.as_bytes()).unwrap();
            mac.update(black_box(v2_sts.as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    group.bench_function("v3_full_sign", |b| {
        b.iter(|| {
            sign_v3(
                black_box(&creds),
                "ram.aliyuncs.com",
                "CreatePolicy",
                "2015-05-01",
                black_box(&business),
                b"",
                None,
                t,
                nonce,
            )
        })
    });
    group.bench_function("v3_bare_hmac_sha256", |b| {
        b.iter(|| {
            let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(black_box(v3_sts.as_bytes()));
            mac.finalize().into_bytes()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
