//! How synthesis is configured: deterministic by default, or an
//! OpenAI-compatible chat-completions provider.

use std::time::Duration;

/// The OpenAI-compatible providers the seed supported (Google through its
/// OpenAI-compatible endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AiProvider {
    Openai,
    Groq,
    Ollama,
    Google,
}

impl AiProvider {
    /// Parses `AI_PROVIDER` values; `None` for anything else.
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "openai" => AiProvider::Openai,
            "groq" => AiProvider::Groq,
            "ollama" => AiProvider::Ollama,
            "google" | "gemini" => AiProvider::Google,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AiProvider::Openai => "openai",
            AiProvider::Groq => "groq",
            AiProvider::Ollama => "ollama",
            AiProvider::Google => "google",
        }
    }

    /// The base URL that `/chat/completions` is appended to.
    pub fn default_base_url(self) -> &'static str {
        match self {
            AiProvider::Openai => "https://api.openai.com/v1",
            AiProvider::Groq => "https://api.groq.com/openai/v1",
            AiProvider::Ollama => "http://localhost:11434/v1",
            AiProvider::Google => "https://generativelanguage.googleapis.com/v1beta/openai",
        }
    }

    pub fn default_model(self) -> &'static str {
        match self {
            AiProvider::Openai => "gpt-4o-mini",
            AiProvider::Groq => "llama-3.1-8b-instant",
            AiProvider::Ollama => "llama3.1",
            AiProvider::Google => "gemini-2.0-flash",
        }
    }

    /// The environment variable holding the API key (Ollama needs none).
    pub fn key_variable(self) -> Option<&'static str> {
        match self {
            AiProvider::Openai => Some("OPENAI_API_KEY"),
            AiProvider::Groq => Some("GROQ_API_KEY"),
            AiProvider::Ollama => None,
            AiProvider::Google => Some("GOOGLE_API_KEY"),
        }
    }
}

/// Synthesis settings. `Default` is the deterministic, offline synthesiser.
/// `Debug` redacts the API key, so logging the settings cannot leak it.
#[derive(Clone, PartialEq)]
pub struct AiConfig {
    /// `None` = deterministic synthesis.
    pub provider: Option<AiProvider>,
    /// Empty = the provider's default model.
    pub model: String,
    pub api_key: Option<String>,
    /// `None` = the provider's default base URL (without `/chat/completions`).
    pub base_url: Option<String>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Forces deterministic synthesis whatever the provider.
    pub demo_mode: bool,
    /// Per attempt, connect to last byte.
    pub timeout: Duration,
    /// Further attempts after a failed or rejected answer.
    pub retries: u32,
}

impl Default for AiConfig {
    fn default() -> Self {
        Self {
            provider: None,
            model: String::new(),
            api_key: None,
            base_url: None,
            max_tokens: 1500,
            temperature: 0.2,
            demo_mode: false,
            timeout: Duration::from_secs(30),
            retries: 2,
        }
    }
}

impl std::fmt::Debug for AiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AiConfig")
            .field("provider", &self.provider)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("base_url", &self.base_url)
            .field("max_tokens", &self.max_tokens)
            .field("temperature", &self.temperature)
            .field("demo_mode", &self.demo_mode)
            .field("timeout", &self.timeout)
            .field("retries", &self.retries)
            .finish()
    }
}

impl AiConfig {
    /// Builds the settings from the seed's variables, read through `get`
    /// (the caller passes `|k| std::env::var(k).ok()`, keeping env access in
    /// one place). Unknown providers and unparsable numbers fall back to the
    /// defaults.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let mut cfg = AiConfig::default();
        let parse_num = |k: &str| get(k).and_then(|v| v.trim().parse::<f64>().ok());
        cfg.provider = get("AI_PROVIDER").and_then(|p| AiProvider::parse(&p));
        cfg.model = get("AI_MODEL").unwrap_or_default().trim().to_string();
        if let Some(provider) = cfg.provider {
            cfg.api_key = provider
                .key_variable()
                .and_then(&get)
                .filter(|k| !k.trim().is_empty());
        }
        if cfg.provider == Some(AiProvider::Ollama) {
            cfg.base_url = get("OLLAMA_BASE_URL");
        }
        if let Some(n) = parse_num("MAX_AI_TOKENS").filter(|n| *n >= 1.0) {
            cfg.max_tokens = n.min(f64::from(u32::MAX)) as u32;
        }
        if let Some(t) = parse_num("AI_TEMPERATURE").filter(|t| (0.0..=2.0).contains(t)) {
            cfg.temperature = t as f32;
        }
        cfg.demo_mode = get("DEMO_MODE").is_some_and(|v| truthy(&v));
        cfg
    }

    /// Whether an LLM is asked at all.
    pub fn uses_llm(&self) -> bool {
        !self.demo_mode && self.provider.is_some()
    }

    /// The model name actually sent.
    pub fn model_name(&self) -> String {
        match (self.model.is_empty(), self.provider) {
            (false, _) | (true, None) => self.model.clone(),
            (true, Some(p)) => p.default_model().to_string(),
        }
    }

    /// The chat-completions endpoint.
    pub fn endpoint(&self) -> Option<String> {
        let base = match (&self.base_url, self.provider) {
            // The seed's OLLAMA_BASE_URL is the server root, however it was mapped.
            (Some(url), Some(AiProvider::Ollama)) => ollama_v1(url),
            (Some(url), _) => url.clone(),
            (None, Some(p)) => p.default_base_url().to_string(),
            (None, None) => return None,
        };
        Some(format!("{}/chat/completions", base.trim_end_matches('/')))
    }
}

fn truthy(value: &str) -> bool {
    matches!(
        value.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

/// Ollama's OpenAI-compatible API lives under `/v1` of the server root.
fn ollama_v1(url: &str) -> String {
    let url = url.trim().trim_end_matches('/');
    if url.ends_with("/v1") {
        url.to_string()
    } else {
        format!("{url}/v1")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(pairs: &[(&str, &str)]) -> AiConfig {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        AiConfig::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn default_and_empty_environment_are_deterministic() {
        assert!(!AiConfig::default().uses_llm());
        assert_eq!(from(&[]), AiConfig::default());
    }

    #[test]
    fn provider_variables_map_onto_the_config() {
        let cfg = from(&[
            ("AI_PROVIDER", "groq"),
            ("GROQ_API_KEY", "gsk-secret"),
            ("OPENAI_API_KEY", "wrong"),
            ("MAX_AI_TOKENS", "800"),
            ("AI_TEMPERATURE", "0.5"),
        ]);
        assert!(cfg.uses_llm());
        assert_eq!(cfg.api_key.as_deref(), Some("gsk-secret"));
        assert!(
            !format!("{cfg:?}").contains("gsk-secret"),
            "Debug must not print the key"
        );
        assert_eq!((cfg.max_tokens, cfg.temperature), (800, 0.5));
        assert_eq!(cfg.model_name(), "llama-3.1-8b-instant");
        assert_eq!(
            cfg.endpoint().as_deref(),
            Some("https://api.groq.com/openai/v1/chat/completions")
        );
    }

    #[test]
    fn ollama_base_url_gets_the_v1_suffix_and_demo_mode_wins() {
        let cfg = from(&[
            ("AI_PROVIDER", "ollama"),
            ("OLLAMA_BASE_URL", "http://gpu:11434/"),
            ("DEMO_MODE", "true"),
        ]);
        assert_eq!(
            cfg.endpoint().as_deref(),
            Some("http://gpu:11434/v1/chat/completions")
        );
        assert!(!cfg.uses_llm());
    }
}
