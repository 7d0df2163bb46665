//! Wycheproof regression test: every JWS signature family the crate verifies is run through
//! `crate::crypto::verify` (the path tokens take) against Google's Wycheproof vectors, as
//! shipped by the `wycheproof` crate. No vector marked `invalid` may be accepted; every vector
//! marked `valid` whose parameters are exactly a JWS algorithm's must be accepted; `acceptable`
//! vectors may go either way and are only counted.

use jsonwebtoken::{Algorithm, DecodingKey};
use wycheproof::{HashFunction, TestResult};

use super::verify;

/// What happened to the vectors of one family.
#[derive(Debug, Default)]
struct Tally {
    valid_accepted: usize,
    valid_refused: Vec<String>,
    invalid_refused: usize,
    invalid_accepted: Vec<String>,
    acceptable_accepted: usize,
    acceptable_refused: usize,
    /// Vectors whose key the backend refuses to build a verifier from (never accepted).
    key_refused: usize,
    /// Valid vectors signed with parameters no JWS algorithm uses (e.g. another PSS salt
    /// length): must not be required to pass, but an `invalid` one is still checked.
    off_profile_valid: usize,
    /// `invalid` vectors of an off-profile group that are in fact valid under the JWS profile
    /// (e.g. "s_len changed to 32" in the salt-length-0 PSS set is a correct PS256 signature).
    off_profile_valid_under_jws: usize,
    /// Vectors not run, by reason.
    skipped: std::collections::BTreeMap<String, usize>,
}

impl Tally {
    fn exercised(&self) -> usize {
        self.valid_accepted
            + self.valid_refused.len()
            + self.invalid_refused
            + self.invalid_accepted.len()
            + self.acceptable_accepted
            + self.acceptable_refused
            + self.off_profile_valid
            + self.off_profile_valid_under_jws
    }

    /// Records one vector. `on_profile`: the vector's parameters are exactly those of `alg`,
    /// so a `valid` vector must verify.
    fn record(
        &mut self,
        name: &str,
        tc_id: usize,
        result: TestResult,
        on_profile: bool,
        outcome: Result<bool, crate::error::JwtError>,
    ) {
        let accepted = match outcome {
            Ok(accepted) => accepted,
            Err(_) => {
                self.key_refused += 1;
                false
            }
        };
        let id = format!("{name} tcId {tc_id}");
        match (result, accepted) {
            (TestResult::Invalid, true) => self.invalid_accepted.push(id),
            (TestResult::Invalid, false) => self.invalid_refused += 1,
            (TestResult::Valid, _) if !on_profile => self.off_profile_valid += 1,
            (TestResult::Valid, true) => self.valid_accepted += 1,
            (TestResult::Valid, false) => self.valid_refused.push(id),
            (TestResult::Acceptable, true) => self.acceptable_accepted += 1,
            (TestResult::Acceptable, false) => self.acceptable_refused += 1,
        }
    }

    fn report(&self, family: &str) {
        eprintln!(
            "wycheproof {family}: {} exercised; valid accepted {}, valid refused {}, invalid \
             refused {}, INVALID ACCEPTED {}, acceptable accepted {} / refused {}, off-profile \
             valid {} (+{} 'invalid' there that are valid under the JWS profile), key refused by \
             backend {}, skipped {:?}",
            self.exercised(),
            self.valid_accepted,
            self.valid_refused.len(),
            self.invalid_refused,
            self.invalid_accepted.len(),
            self.acceptable_accepted,
            self.acceptable_refused,
            self.off_profile_valid,
            self.off_profile_valid_under_jws,
            self.key_refused,
            self.skipped,
        );
    }

    fn assert_sound(&self, family: &str, floor: usize) {
        self.report(family);
        assert!(
            self.invalid_accepted.is_empty(),
            "{family}: INVALID signatures accepted: {:?}",
            self.invalid_accepted
        );
        assert!(
            self.valid_refused.is_empty(),
            "{family}: valid signatures refused: {:?}",
            self.valid_refused
        );
        assert!(
            self.exercised() >= floor,
            "{family}: only {} vectors exercised (floor {floor}): are the vectors still loading?",
            self.exercised()
        );
    }
}

/// A big-endian integer without the sign byte Wycheproof's hex encoding may carry.
fn unsigned(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    &bytes[zeros.min(bytes.len().saturating_sub(1))..]
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha_bits(hash: HashFunction) -> Option<(usize, usize)> {
    match hash {
        HashFunction::Sha2_256 => Some((256, 32)),
        HashFunction::Sha2_384 => Some((384, 48)),
        HashFunction::Sha2_512 => Some((512, 64)),
        _ => None,
    }
}

#[test]
fn ecdsa_p256_p384_p1363() {
    use wycheproof::ecdsa::{TestName, TestSet};
    let mut tally = Tally::default();
    // (n - 1) / 2 of each curve: an `s` above it is "high-S".
    const P256_HALF_N: &str = "7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8";
    const P384_HALF_N: &str = "7fffffffffffffffffffffffffffffffffffffffffffffffe3b1a6c0fa1b96efac0d06d9245853bd76760cb5666294b9";
    let mut high_s_valid_accepted = 0;
    for (name, set, alg, half_n) in [
        (
            "ecdsa_secp256r1_sha256_p1363",
            TestName::EcdsaSecp256r1Sha256P1363,
            Algorithm::ES256,
            P256_HALF_N,
        ),
        (
            "ecdsa_secp384r1_sha384_p1363",
            TestName::EcdsaSecp384r1Sha384P1363,
            Algorithm::ES384,
            P384_HALF_N,
        ),
    ] {
        let set = TestSet::load(set).unwrap();
        for group in &set.test_groups {
            // The uncompressed SEC1 point, as `from_ec_components` builds it from a JWK.
            let key = DecodingKey::from_ec_der(&group.key.key);
            for test in &group.tests {
                let outcome = verify(alg, &key, &test.msg, &test.sig);
                let high_s = test.sig.len() == half_n.len()
                    && hex(&test.sig[half_n.len() / 2..]).as_str() > half_n;
                if high_s && test.result == TestResult::Valid && matches!(outcome, Ok(true)) {
                    high_s_valid_accepted += 1;
                }
                tally.record(name, test.tc_id, test.result, true, outcome);
            }
        }
    }
    // Wycheproof marks high-S signatures valid (ECDSA is malleable: (r, n - s) verifies too);
    // the backend accepts them, as PyJWT/cryptography do. The README says so.
    eprintln!("wycheproof ECDSA: {high_s_valid_accepted} valid high-S signatures accepted");
    assert!(
        high_s_valid_accepted > 0,
        "no high-S vector seen: the README's claim is untested"
    );
    // 542 vectors in wycheproof 0.7 (P-256/SHA-256 and P-384/SHA-384, P1363 encoding).
    tally.assert_sound("ECDSA ES256/ES384 (P1363)", 500);
}

#[test]
fn rsa_pkcs1_v1_5() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    let mut tally = Tally::default();
    let sets = [
        ("rsa_signature_2048_sha256", TestName::Rsa2048Sha256),
        ("rsa_signature_2048_sha384", TestName::Rsa2048Sha384),
        ("rsa_signature_2048_sha512", TestName::Rsa2048Sha512),
        ("rsa_signature_3072_sha256", TestName::Rsa3072Sha256),
        ("rsa_signature_3072_sha384", TestName::Rsa3072Sha384),
        ("rsa_signature_3072_sha512", TestName::Rsa3072Sha512),
        ("rsa_signature_4096_sha256", TestName::Rsa4096Sha256),
        ("rsa_signature_4096_sha384", TestName::Rsa4096Sha384),
        ("rsa_signature_4096_sha512", TestName::Rsa4096Sha512),
        ("rsa_signature_8192_sha256", TestName::Rsa8192Sha256),
        ("rsa_signature_8192_sha384", TestName::Rsa8192Sha384),
        ("rsa_signature_8192_sha512", TestName::Rsa8192Sha512),
    ];
    for (name, set) in sets {
        let set = TestSet::load(set).unwrap();
        for group in &set.test_groups {
            let alg = match sha_bits(group.hash) {
                Some((256, _)) => Algorithm::RS256,
                Some((384, _)) => Algorithm::RS384,
                Some(_) => Algorithm::RS512,
                None => {
                    *tally
                        .skipped
                        .entry(format!("{name}: hash {:?} is no JWS algorithm", group.hash))
                        .or_default() += group.tests.len();
                    continue;
                }
            };
            let key = DecodingKey::from_rsa_raw_components(
                unsigned(&group.key.n),
                unsigned(&group.key.e),
            );
            // RustCrypto's `rsa` refuses moduli above 4096 bits: its valid 8192-bit vectors
            // are refused by policy (invalid ones are still checked).
            let on_profile = !(cfg!(not(feature = "aws-lc-rs")) && group.key_size > 4096);
            for test in &group.tests {
                let outcome = verify(alg, &key, &test.msg, &test.sig);
                tally.record(name, test.tc_id, test.result, on_profile, outcome);
            }
        }
    }
    // 3106 vectors in wycheproof 0.7.
    tally.assert_sound("RSA PKCS#1 v1.5 RS256/RS384/RS512", 2500);
}

#[test]
fn rsa_pss() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    let mut tally = Tally::default();
    // Every SHA-2 set with a JWS hash; groups whose MGF1 hash or salt length differ from the
    // JWS profile (MGF1 with the same hash, salt = hash length) are run too: their `invalid`
    // vectors must still be refused, their `valid` ones are off-profile.
    let sets = [
        (
            "rsa_pss_2048_sha256_mgf1_0",
            TestName::RsaPss2048Sha256Mgf1SaltLen0,
        ),
        (
            "rsa_pss_2048_sha256_mgf1_32",
            TestName::RsaPss2048Sha256Mgf1SaltLen32,
        ),
        (
            "rsa_pss_2048_sha256_mgf1sha1_20",
            TestName::RsaPss2048Sha256Mgf1Sha1_20,
        ),
        (
            "rsa_pss_2048_sha384_mgf1_48",
            TestName::RsaPss2048Sha384Mgf1SaltLen48,
        ),
        (
            "rsa_pss_3072_sha256_mgf1_32",
            TestName::RsaPss3072Sha256Mgf1SaltLen32,
        ),
        (
            "rsa_pss_4096_sha256_mgf1_32",
            TestName::RsaPss4096Sha256Mgf1SaltLen32,
        ),
        (
            "rsa_pss_4096_sha384_mgf1_48",
            TestName::RsaPss4096Sha384Mgf1SaltLen48,
        ),
        (
            "rsa_pss_4096_sha512_mgf1_32",
            TestName::RsaPss4096Sha512Mgf1SaltLen32,
        ),
        (
            "rsa_pss_4096_sha512_mgf1_64",
            TestName::RsaPss4096Sha512Mgf1SaltLen64,
        ),
        ("rsa_pss_misc", TestName::RsaPssmisc),
    ];
    for (name, set) in sets {
        let set = TestSet::load(set).unwrap();
        for group in &set.test_groups {
            let Some((bits, hash_len)) = sha_bits(group.hash) else {
                *tally
                    .skipped
                    .entry(format!("{name}: hash {:?} is no JWS algorithm", group.hash))
                    .or_default() += group.tests.len();
                continue;
            };
            let alg = match bits {
                256 => Algorithm::PS256,
                384 => Algorithm::PS384,
                _ => Algorithm::PS512,
            };
            let on_profile = group.mgf_hash == Some(group.hash) && group.salt_size == hash_len;
            let key = DecodingKey::from_rsa_raw_components(
                unsigned(&group.key.n),
                unsigned(&group.key.e),
            );
            for test in &group.tests {
                let outcome = verify(alg, &key, &test.msg, &test.sig);
                // Wycheproof's verdicts assume a verifier set to the group's salt length: a
                // signature re-made with the JWS salt length is `invalid` there, valid here.
                if !on_profile
                    && test.result == TestResult::Invalid
                    && test.comment == format!("s_len changed to {hash_len}")
                    && group.mgf_hash == Some(group.hash)
                    && matches!(outcome, Ok(true))
                {
                    tally.off_profile_valid_under_jws += 1;
                    continue;
                }
                tally.record(name, test.tc_id, test.result, on_profile, outcome);
            }
        }
    }
    // 1263 vectors in wycheproof 0.7, 500+ of them on the JWS profile.
    tally.assert_sound("RSA-PSS PS256/PS384/PS512", 1000);
}

#[test]
fn ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let mut tally = Tally::default();
    let set = TestSet::load(TestName::Ed25519).unwrap();
    for group in &set.test_groups {
        // The raw 32-byte public key, as `from_ed_components` takes it from a JWK.
        let key = DecodingKey::from_ed_der(&group.key.pk);
        for test in &group.tests {
            let outcome = verify(Algorithm::EdDSA, &key, &test.msg, &test.sig);
            tally.record("ed25519", test.tc_id, test.result, true, outcome);
        }
    }
    // 151 vectors in wycheproof 0.7.
    tally.assert_sound("Ed25519 EdDSA", 140);
}
