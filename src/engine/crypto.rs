//! Encryption at rest: AES-256-GCM envelopes with a key id, so values
//! written under an earlier key stay readable after a rotation.
//!
//! An envelope is `flenc1:<key id>:<base64(nonce ‖ ciphertext ‖ tag)>`: the
//! key id is the first 8 hex digits of SHA-256(key), the nonce 96 random
//! bits drawn per value. A keyring without a current key writes plaintext
//! (storage byte-identical to a deployment without encryption, but for the
//! escape below) yet still recognises envelopes, so reading one then is a
//! clear error, not garbage.
//!
//! A value is an envelope only if `seal` made it one: plaintext that itself
//! begins with `flenc1:` is written as `flenc1::<plaintext>` when no key
//! encrypts it (an envelope with an empty key id, which no key has), and
//! `open` gives the plaintext back, so `open(seal(x)) == x` for every `x`,
//! with or without keys. Text stored before this escape existed that began
//! with `flenc1:` never opened (no key has its "key id"), so no value that
//! read before reads differently now.

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

const PREFIX: &str = "flenc1:";
/// An envelope with an empty key id: plaintext in clear (see the module doc).
const PLAIN: &str = "flenc1::";
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;

/// Why a stored value cannot be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error(
        "a stored value is encrypted under key id {0}, which this process does not have \
         (set it as FAULTLINE_ENCRYPTION_KEY or list it in FAULTLINE_ENCRYPTION_OLD_KEYS)"
    )]
    UnknownKey(String),
    #[error("a stored value under key id {0} failed authentication (altered or truncated)")]
    Tampered(String),
    #[error("a stored value is not a well-formed encryption envelope: {0}")]
    Malformed(&'static str),
}

/// A key value that is not 32 bytes of base64.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected 32 random bytes in base64 (e.g. `openssl rand -base64 32`): {0}")]
pub struct BadKey(String);

/// One AES-256 key and its id.
#[derive(Clone)]
pub struct Key {
    id: String,
    cipher: Aes256Gcm,
}

impl Key {
    /// A key from its base64 text (32 bytes).
    pub fn parse(text: &str) -> Result<Self, BadKey> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|e| BadKey(format!("not base64 ({e})")))?;
        if bytes.len() != 32 {
            return Err(BadKey(format!("{} bytes, not 32", bytes.len())));
        }
        let id = hex::encode(&Sha256::digest(&bytes)[..4]);
        let cipher = Aes256Gcm::new_from_slice(&bytes).map_err(|e| BadKey(e.to_string()))?;
        Ok(Key { id, cipher })
    }

    /// Comma-separated keys; a bad one is named by its position.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, BadKey> {
        text.split(',')
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .enumerate()
            .map(|(i, k)| {
                Key::parse(k).map_err(|BadKey(why)| BadKey(format!("key {}: {why}", i + 1)))
            })
            .collect()
    }
}

/// The key that encrypts new values (if any) and every key that may
/// decrypt stored ones.
#[derive(Clone, Default)]
pub struct Keyring {
    current: Option<Key>,
    old: Vec<Key>,
}

// Only key ids, never key material.
impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.key_id())
            .field("old", &self.old.iter().map(|k| &k.id).collect::<Vec<_>>())
            .finish()
    }
}

impl Keyring {
    /// `current` seals new values (none: they are written in clear); it and
    /// the `old` keys open stored ones.
    pub fn new(current: Option<Key>, old: Vec<Key>) -> Self {
        Keyring { current, old }
    }

    /// Encryption on: new values are sealed.
    pub fn is_enabled(&self) -> bool {
        self.current.is_some()
    }

    /// The id of the key new values are sealed with.
    pub fn key_id(&self) -> Option<&str> {
        self.current.as_ref().map(|k| k.id.as_str())
    }

    /// `plaintext` as an envelope, or unchanged when encryption is off
    /// (unless it would read as an envelope: then escaped, see `envelope`).
    pub fn seal(&self, plaintext: &str) -> String {
        if self.current.is_none() && !Keyring::is_sealed(plaintext) {
            return plaintext.to_string();
        }
        self.envelope(plaintext)
    }

    /// `plaintext` as an envelope whatever it is: encrypted under the current
    /// key, else in clear behind the empty key id (`flenc1::<plaintext>`).
    pub(super) fn envelope(&self, plaintext: &str) -> String {
        let Some(key) = &self.current else {
            return format!("{PLAIN}{plaintext}");
        };
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = key
            .cipher
            .encrypt(&nonce, plaintext.as_bytes())
            .expect("AES-GCM encryption of an in-memory buffer cannot fail");
        let mut body = Vec::with_capacity(NONCE_LEN + sealed.len());
        body.extend_from_slice(&nonce);
        body.extend_from_slice(&sealed);
        format!("{PREFIX}{}:{}", key.id, STANDARD.encode(body))
    }

    /// The plaintext of an envelope; any other text is returned as it is
    /// (written in clear: before encryption was turned on, or with it off).
    pub fn open(&self, stored: &str) -> Result<String, CryptoError> {
        let Some(rest) = stored.strip_prefix(PREFIX) else {
            return Ok(stored.to_string());
        };
        if let Some(plain) = rest.strip_prefix(':') {
            return Ok(plain.to_string());
        }
        let (id, body) = rest
            .split_once(':')
            .ok_or(CryptoError::Malformed("no key id"))?;
        let key = self
            .current
            .iter()
            .chain(&self.old)
            .find(|k| k.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.chars().take(16).collect()))?;
        let body = STANDARD
            .decode(body)
            .map_err(|_| CryptoError::Malformed("body is not base64"))?;
        if body.len() < NONCE_LEN + TAG_LEN {
            return Err(CryptoError::Malformed("body too short"));
        }
        let (nonce, sealed) = body.split_at(NONCE_LEN);
        let plain = key
            .cipher
            .decrypt(Nonce::from_slice(nonce), sealed)
            .map_err(|_| CryptoError::Tampered(key.id.clone()))?;
        String::from_utf8(plain).map_err(|_| CryptoError::Malformed("plaintext is not UTF-8"))
    }

    /// True for text that is an envelope (whatever its key, escaped
    /// plaintext too): what `open` must be given to read it back.
    pub fn is_sealed(text: &str) -> bool {
        text.starts_with(PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    const B: &str = "//////////////////////////////////////////8=";

    fn ring(current: &str, old: &str) -> Keyring {
        Keyring::new(
            Some(Key::parse(current).unwrap()),
            Key::parse_list(old).unwrap(),
        )
    }

    #[test]
    fn a_value_round_trips_and_each_seal_differs() {
        let k = ring(A, "");
        let one = k.seal("the artifact");
        let two = k.seal("the artifact");
        assert_ne!(one, two, "a fresh nonce per value");
        assert!(one.starts_with(&format!("flenc1:{}:", k.key_id().unwrap())));
        assert!(!one.contains("artifact"));
        assert_eq!(k.open(&one).unwrap(), "the artifact");
        assert_eq!(k.open("").unwrap(), "");
        assert_eq!(k.open(&k.seal("")).unwrap(), "");
    }

    #[test]
    fn the_key_id_is_the_first_8_hex_of_the_keys_sha256() {
        let bytes = STANDARD.decode(A).unwrap();
        let want = &hex::encode(Sha256::digest(&bytes))[..8];
        assert_eq!(ring(A, "").key_id(), Some(want));
    }

    #[test]
    fn plaintext_passes_through_and_is_written_as_is_without_a_key() {
        let off = Keyring::default();
        assert!(!off.is_enabled());
        assert_eq!(off.seal("{\"a\":1}"), "{\"a\":1}");
        assert_eq!(ring(A, "").open("# report").unwrap(), "# report");
    }

    #[test]
    fn tampering_is_detected() {
        let k = ring(A, "");
        let sealed = k.seal("findings");
        let (head, body) = sealed.rsplit_once(':').unwrap();
        let mut bytes = STANDARD.decode(body).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("{head}:{}", STANDARD.encode(&bytes));
        assert!(matches!(k.open(&altered), Err(CryptoError::Tampered(_))));
        let truncated = format!("{head}:{}", STANDARD.encode(&bytes[..20]));
        assert!(matches!(k.open(&truncated), Err(CryptoError::Malformed(_))));
        assert!(matches!(
            k.open(&format!("{head}:not base64!")),
            Err(CryptoError::Malformed(_))
        ));
        assert!(matches!(k.open("flenc1:"), Err(CryptoError::Malformed(_))));
    }

    #[test]
    fn old_keys_alone_read_sealed_values_and_write_plaintext() {
        let sealed = ring(A, "").seal("secret");
        let reading = Keyring::new(None, Key::parse_list(A).unwrap());
        assert_eq!(reading.open(&sealed).unwrap(), "secret");
        assert_eq!(reading.seal("new"), "new");
    }

    #[test]
    fn an_unknown_key_id_is_a_clear_error() {
        let sealed = ring(A, "").seal("secret");
        let err = ring(B, "").open(&sealed).unwrap_err();
        assert!(matches!(err, CryptoError::UnknownKey(_)));
        assert!(err.to_string().contains("FAULTLINE_ENCRYPTION_OLD_KEYS"));
        let err = Keyring::default().open(&sealed).unwrap_err();
        assert!(matches!(err, CryptoError::UnknownKey(_)));
    }

    #[test]
    fn old_keys_decrypt_after_a_rotation_and_new_values_use_the_current_key() {
        let before = ring(A, "").seal("written under A");
        let rotated = ring(B, A);
        assert_eq!(rotated.open(&before).unwrap(), "written under A");
        assert!(rotated.seal("x").contains(rotated.key_id().unwrap()));
        assert!(ring(A, "").open(&rotated.seal("x")).is_err());
    }

    #[test]
    fn bad_keys_are_refused_with_the_reason() {
        let e = Key::parse("c2hvcnQ=").err().unwrap();
        assert!(e.to_string().contains("5 bytes, not 32"), "{e}");
        let e = Key::parse("not base64!").err().unwrap();
        assert!(e.to_string().contains("not base64"), "{e}");
        let e = Key::parse_list(&format!("{B}, nope")).err().unwrap();
        assert!(e.to_string().contains("key 2"), "{e}");
        assert_eq!(Key::parse_list(&format!(" {B} ,")).unwrap().len(), 1);
    }

    /// Every kind of keyring: off, old keys only, on, rotated.
    fn keyrings() -> Vec<(&'static str, Keyring)> {
        vec![
            ("off", Keyring::default()),
            (
                "old keys only",
                Keyring::new(None, Key::parse_list(A).unwrap()),
            ),
            ("on", ring(A, "")),
            ("rotated", ring(B, A)),
        ]
    }

    /// Plaintexts that look like envelopes, or like the escape of one.
    fn lookalikes() -> Vec<String> {
        let real = ring(A, "").seal("x");
        vec![
            "flenc1:".into(),
            "flenc1:abcd:".into(),
            "flenc1:x:y".into(),
            "flenc1::".into(),
            "flenc1::plain".into(),
            "flenc1::flenc1::".into(),
            format!("flenc1:{}:", ring(A, "").key_id().unwrap()),
            real.clone(),
            format!("{PLAIN}{real}"),
        ]
    }

    #[test]
    fn text_that_looks_sealed_round_trips_under_every_keyring() {
        for (name, k) in keyrings() {
            for x in lookalikes() {
                let stored = k.seal(&x);
                assert!(Keyring::is_sealed(&stored), "{name}: {x:?} -> {stored:?}");
                assert_eq!(k.open(&stored).as_deref(), Ok(x.as_str()), "{name}: {x:?}");
            }
        }
    }

    #[test]
    fn without_a_key_only_lookalikes_are_escaped_and_they_stay_in_clear() {
        let off = Keyring::default();
        assert_eq!(off.seal("flenc1:abcd:rest"), "flenc1::flenc1:abcd:rest");
        assert_eq!(off.seal("flenc1::x"), "flenc1::flenc1::x");
        assert_eq!(off.seal("flenc1"), "flenc1");
        assert_eq!(off.seal("FLENC1:x:y"), "FLENC1:x:y");
        // Readable by any keyring, including one that encrypts.
        assert_eq!(
            ring(B, "").open("flenc1::flenc1:x:y").unwrap(),
            "flenc1:x:y"
        );
        // With a key, a lookalike is encrypted like anything else.
        let sealed = ring(A, "").seal("flenc1:x:y");
        assert!(!sealed.starts_with(PLAIN) && !sealed.contains("x:y"));
    }

    #[test]
    fn values_stored_before_the_escape_read_as_before() {
        let off = Keyring::default();
        for plain in ["", "# report", "{\"a\":1}", "openapi: 3.0.3\n", "flenc"] {
            assert_eq!(off.open(plain).unwrap(), plain);
            assert_eq!(ring(A, "").open(plain).unwrap(), plain);
        }
        // A real envelope: the same bytes today's code wrote.
        let sealed = ring(A, "").seal("secret");
        assert_eq!(ring(B, A).open(&sealed).unwrap(), "secret");
        assert!(matches!(off.open(&sealed), Err(CryptoError::UnknownKey(_))));
    }

    proptest::proptest! {
        #[test]
        fn open_undoes_seal_for_any_text_and_any_keyring(
            head in proptest::sample::select(vec![
                "", "flenc1:", "flenc1::", "flenc1:abcd:", "flenc1:x:", "flenc1::flenc1:",
                "flenc1:\u{e9}:", "flenc", "f",
            ]),
            body in "(?s)\\PC{0,40}|[:a-f0-9flenc]{0,12}",
        ) {
            let x = format!("{head}{body}");
            for (name, k) in keyrings() {
                let stored = k.seal(&x);
                proptest::prop_assert_eq!(k.open(&stored), Ok(x.clone()), "{}", name);
                if !k.is_enabled() && !x.starts_with(PREFIX) {
                    proptest::prop_assert_eq!(&stored, &x, "{}: written as is", name);
                }
            }
        }
    }

    #[test]
    fn debug_shows_key_ids_only() {
        let k = ring(A, B);
        let shown = format!("{k:?}");
        assert!(shown.contains(k.key_id().unwrap()));
        assert!(!shown.contains(A) && !shown.contains("cipher"));
    }
}
