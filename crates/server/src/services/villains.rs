//! Where a week's villain comes from: the two implementations of the progress
//! capability's port [`VillainGenerator`]. The built-in [`Procedural`] generator
//! (the rules crate) is the default, and [`LlmVillains`] asks an OpenAI-compatible text-generation endpoint for a name, a
//! taunt and a cutscene, checks what comes back, and falls back to the procedural
//! villain on any error, timeout or rejected text. The parts the game depends on
//! (weakness, objectives) always come from the rules crate, so a generated villain
//! can only change words, never difficulty.

pub use crate::config::LlmSettings;
pub use crate::progress::{GenFuture, Generated, VillainGenerator};
use serde::Deserialize;
use serde_json::{Value, json};
use shonen_rules::villain::{Villain, generate};

/// The rules crate's deterministic generator.
#[derive(Debug, Default, Clone, Copy)]
pub struct Procedural;

impl VillainGenerator for Procedural {
    fn villain(&self, iso_year: i32, iso_week: u32) -> GenFuture<'_> {
        Box::pin(async move {
            Ok(Generated {
                villain: generate(iso_year, iso_week)?,
                source: "procedural",
            })
        })
    }
}

/// The text-generation villain, with the procedural one as its safety net.
pub struct LlmVillains {
    settings: LlmSettings,
    client: reqwest::Client,
}

/// What the endpoint is asked to return.
#[derive(Debug, Deserialize)]
struct Words {
    name: String,
    taunt: String,
    cutscene: String,
}

/// Why a generated answer was not used (logged, then the procedural villain is used).
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error("request failed: {0}")]
    Http(String),
    #[error("timed out")]
    Timeout,
    #[error("bad answer shape: {0}")]
    Shape(String),
    #[error("rejected {field}: {why}")]
    Rejected { field: &'static str, why: String },
}

impl LlmVillains {
    pub fn new(settings: LlmSettings) -> Result<LlmVillains, LlmError> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .build()
            .map_err(|e| LlmError::Http(e.to_string()))?;
        Ok(LlmVillains { settings, client })
    }

    fn prompt(base: &Villain) -> String {
        format!(
            "Invent this week's villain for a shonen-anime themed fitness app. The villain \
             embodies a bad habit and is weak to {weakness} training. Reply with ONLY a JSON \
             object {{\"name\": string, \"taunt\": string, \"cutscene\": string}}: name is \
             2 to 4 words in English (like \"{name}\"), taunt is one short mocking line, \
             cutscene is 1 to 3 sentences describing the villain escaping because the hero \
             skipped training. Keep it funny and family friendly.",
            weakness = base.weakness.display_name(),
            name = base.name,
        )
    }

    async fn ask(&self, base: &Villain) -> Result<Words, LlmError> {
        let mut body = json!({
            "messages": [
                {"role": "system", "content": "You write short, family-friendly anime villain flavour text as JSON."},
                {"role": "user", "content": Self::prompt(base)},
            ],
            "temperature": 0.9,
            "max_tokens": 400,
        });
        body["model"] = json!(self.settings.model.as_deref().unwrap_or("default"));
        let mut req = self.client.post(self.settings.endpoint()).json(&body);
        if let Some(key) = &self.settings.key {
            req = req.bearer_auth(key);
        }
        let resp = req.send().await.map_err(|e| {
            if e.is_timeout() {
                LlmError::Timeout
            } else {
                LlmError::Http(e.to_string())
            }
        })?;
        if !resp.status().is_success() {
            return Err(LlmError::Http(format!("status {}", resp.status())));
        }
        let value: Value = resp.json().await.map_err(|e| {
            if e.is_timeout() {
                LlmError::Timeout
            } else {
                LlmError::Shape(e.to_string())
            }
        })?;
        let content = value
            .pointer("/choices/0/message/content")
            .and_then(Value::as_str)
            .ok_or_else(|| LlmError::Shape("no choices[0].message.content".into()))?;
        parse_words(content)
    }
}

impl VillainGenerator for LlmVillains {
    fn villain(&self, iso_year: i32, iso_week: u32) -> GenFuture<'_> {
        Box::pin(async move {
            let base = generate(iso_year, iso_week)?;
            // The client has its own timeout; this one also bounds a slow body.
            let answer = match tokio::time::timeout(self.settings.timeout, self.ask(&base)).await {
                Ok(r) => r,
                Err(_) => Err(LlmError::Timeout),
            };
            match answer {
                Ok(words) => Ok(Generated {
                    villain: with_words(base, words),
                    source: "llm",
                }),
                Err(e) => {
                    tracing::warn!(week = %base.week, error = %e, "villain generator fell back to the procedural villain");
                    metrics::counter!("shonen_villain_llm_fallbacks_total").increment(1);
                    Ok(Generated {
                        villain: base,
                        source: "procedural",
                    })
                }
            }
        })
    }
}

/// The generated words on the rules crate's villain (weakness and objectives stay).
fn with_words(mut v: Villain, w: Words) -> Villain {
    v.badge = format!("{} Slayer", w.name);
    v.name = w.name;
    v.taunt = w.taunt;
    v.cutscene = w.cutscene;
    v
}

/// Parses and checks the model's answer (a JSON object, possibly in a code fence).
fn parse_words(content: &str) -> Result<Words, LlmError> {
    let text = content.trim();
    let text = text
        .strip_prefix("```json")
        .or_else(|| text.strip_prefix("```"))
        .map(|t| t.trim_end().trim_end_matches("```"))
        .unwrap_or(text)
        .trim();
    let words: Words = serde_json::from_str(text)
        .map_err(|e| LlmError::Shape(format!("not the JSON asked for: {e}")))?;
    Ok(Words {
        name: check_name(&words.name)?,
        taunt: check_text("taunt", &words.taunt, 5, 160, false)?,
        cutscene: check_text("cutscene", &words.cutscene, 20, 600, true)?,
    })
}

fn rejected(field: &'static str, why: impl Into<String>) -> LlmError {
    LlmError::Rejected {
        field,
        why: why.into(),
    }
}

/// English prose only: printable ASCII plus common typographic punctuation. This is
/// also the language filter (other scripts, emoji and control characters are out).
fn allowed_char(c: char, newlines: bool) -> bool {
    c == ' '
        || c.is_ascii_graphic()
        || matches!(c, '’' | '‘' | '“' | '”' | '—' | '–' | '…')
        || (newlines && c == '\n')
}

/// A small blocklist: the villain is shown to every player, children included.
const BLOCKED: [&str; 24] = [
    "fuck",
    "fucking",
    "shit",
    "bitch",
    "bastard",
    "cunt",
    "dick",
    "cock",
    "pussy",
    "asshole",
    "whore",
    "slut",
    "nigger",
    "nigga",
    "faggot",
    "fag",
    "retard",
    "rape",
    "nazi",
    "hitler",
    "porn",
    "sex",
    "kill yourself",
    "kys",
];

fn profane(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphabetic())
        .filter(|w| !w.is_empty())
        .collect();
    let joined = format!(" {} ", words.join(" "));
    BLOCKED
        .into_iter()
        .find(|bad| joined.contains(&format!(" {bad} ")))
}

fn check_text(
    field: &'static str,
    raw: &str,
    min: usize,
    max: usize,
    newlines: bool,
) -> Result<String, LlmError> {
    let text = raw.trim();
    let n = text.chars().count();
    if n < min || n > max {
        return Err(rejected(
            field,
            format!("{n} characters, expected {min}..={max}"),
        ));
    }
    if let Some(c) = text.chars().find(|c| !allowed_char(*c, newlines)) {
        return Err(rejected(field, format!("character {c:?} is not allowed")));
    }
    if let Some(bad) = profane(text) {
        return Err(rejected(field, format!("blocked word {bad:?}")));
    }
    Ok(text.to_string())
}

/// A name is 1 to 5 words of letters (with hyphens or apostrophes), 3 to 40 characters.
fn check_name(raw: &str) -> Result<String, LlmError> {
    let name = raw.split_whitespace().collect::<Vec<_>>().join(" ");
    let name = check_text("name", &name, 3, 40, false)?;
    let ok = name
        .chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, ' ' | '-' | '\'' | '’'));
    let words = name.split(' ').count();
    if !ok || !(1..=5).contains(&words) || !name.chars().any(|c| c.is_ascii_alphabetic()) {
        return Err(rejected("name", "only 1 to 5 words of letters"));
    }
    Ok(name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn endpoint_paths() {
        let s = |url: &str| LlmSettings {
            url: url.into(),
            model: None,
            key: None,
            timeout: Duration::from_secs(1),
        };
        assert_eq!(s("http://h:1").endpoint(), "http://h:1/v1/chat/completions");
        assert_eq!(
            s("http://h:1/v1/").endpoint(),
            "http://h:1/v1/chat/completions"
        );
        assert_eq!(
            s("http://h:1/api/chat/completions").endpoint(),
            "http://h:1/api/chat/completions"
        );
    }

    #[test]
    fn answers_are_checked() {
        let ok = parse_words(
            "```json\n{\"name\": \"Snooze  Kraken\", \"taunt\": \"Five more minutes, forever.\", \"cutscene\": \"The Snooze Kraken drags your alarm clock into the deep.\"}\n```",
        )
        .unwrap();
        assert_eq!(ok.name, "Snooze Kraken");
        assert!(parse_words("not json").is_err());
        assert!(parse_words("{\"name\": \"X\"}").is_err());
        let bad = |name: &str, taunt: &str| {
            parse_words(
                &json!({"name": name, "taunt": taunt, "cutscene": "A long enough cutscene text here."})
                    .to_string(),
            )
            .is_err()
        };
        assert!(bad("Ab", "fine taunt"));
        assert!(bad("Laziness Demon 3000", "fine taunt"));
        assert!(bad("怠惰の悪魔", "fine taunt"));
        assert!(bad("Shit Lord", "fine taunt"));
        assert!(bad("Couch Demon", "you little bitch"));
        assert!(bad("Couch Demon", "bell\u{7} taunt"));
        assert!(bad("Couch Demon", &"long ".repeat(40)));
        assert!(!bad("Couch Demon", "Sit down, hero — you’ve earned it…"));
        // Words containing a blocked word are fine ("Essex", "Dickens").
        assert!(!bad("Couch Demon", "Read your Dickens in Essex, hero."));
    }
}
