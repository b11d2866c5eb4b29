//! GetDashboard, with the chart and the recent activities kept already encoded.
//!
//! REST splices the cached parts into its JSON as text; gRPC would have to parse
//! that text into messages, then encode them, on every call. Parts change only when
//! the player writes, and every write bumps the player's version, so the encoded
//! parts are kept here per player for the version (and chart weeks) they were read
//! at, rebuilt when either moves, and copied into each answer as they are. Parts with
//! photo links are not kept (links are signed per read).
//!
//! `shonen.v1.Dashboard` is therefore written by hand ([`Dashboard`]; `build.rs` maps
//! the proto message here): the generated struct has nowhere to hold encoded fields.

use super::proto;
use super::status::{self, status};
use crate::error::ApiError;
use crate::model;
use crate::state::AppState;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType, message, skip_field, uint32};
use serde_json::value::RawValue;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tonic::Status;

/// `shonen.v1.Dashboard`. Encodes like the generated messages (fields in number
/// order, defaults left out); a server answer may carry `weekly` and `recent` already
/// encoded ([`Encoded`]), written in their places before any elements of the vectors.
/// Decoding fills the vectors. Equality and serde (the REST JSON's field names) see
/// encoded parts as the messages they encode.
#[derive(Clone, Default, Debug)]
pub struct Dashboard {
    pub player: Option<proto::Player>,
    pub weekly: Vec<proto::WeeklyPoint>,
    pub streak: u32,
    pub buffs: Vec<proto::Buff>,
    pub recent: Vec<proto::Activity>,
    /// This week's boss (as GetBoss).
    pub boss: Option<proto::Boss>,
    encoded: Option<Arc<Encoded>>,
}

/// Fields 2 (`weekly`) and 5 (`recent`) of a dashboard, each as its encoded
/// elements (tag, length, message).
#[derive(Debug, Default)]
struct Encoded {
    weekly: Vec<u8>,
    recent: Vec<u8>,
}

impl Encoded {
    fn of(weekly: &[proto::WeeklyPoint], recent: &[proto::Activity]) -> Encoded {
        let mut e = Encoded {
            weekly: Vec::with_capacity(message::encoded_len_repeated(2, weekly)),
            recent: Vec::with_capacity(message::encoded_len_repeated(5, recent)),
        };
        weekly
            .iter()
            .for_each(|w| message::encode(2, w, &mut e.weekly));
        recent
            .iter()
            .for_each(|a| message::encode(5, a, &mut e.recent));
        e
    }
}

impl Dashboard {
    /// This dashboard with any encoded parts decoded into `weekly` and `recent`.
    fn whole(&self) -> std::borrow::Cow<'_, Dashboard> {
        use prost::Message;
        match &self.encoded {
            None => std::borrow::Cow::Borrowed(self),
            // Bytes this type encoded itself always decode.
            Some(_) => std::borrow::Cow::Owned(
                Dashboard::decode(self.encode_to_vec().as_slice()).unwrap_or_default(),
            ),
        }
    }
}

impl PartialEq for Dashboard {
    fn eq(&self, other: &Dashboard) -> bool {
        let (a, b) = (self.whole(), other.whole());
        (&a.player, &a.weekly, a.streak, &a.buffs, &a.recent, &a.boss)
            == (&b.player, &b.weekly, b.streak, &b.buffs, &b.recent, &b.boss)
    }
}

impl serde::Serialize for Dashboard {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(serde::Serialize)]
        struct Fields<'a> {
            player: &'a Option<proto::Player>,
            weekly: &'a [proto::WeeklyPoint],
            streak: u32,
            buffs: &'a [proto::Buff],
            recent: &'a [proto::Activity],
            boss: &'a Option<proto::Boss>,
        }
        let d = self.whole();
        Fields {
            player: &d.player,
            weekly: &d.weekly,
            streak: d.streak,
            buffs: &d.buffs,
            recent: &d.recent,
            boss: &d.boss,
        }
        .serialize(serializer)
    }
}

impl prost::Message for Dashboard {
    fn encode_raw(&self, buf: &mut impl BufMut) {
        let encoded = self.encoded.as_deref();
        if let Some(p) = &self.player {
            message::encode(1, p, buf);
        }
        if let Some(e) = encoded {
            buf.put_slice(&e.weekly);
        }
        self.weekly.iter().for_each(|w| message::encode(2, w, buf));
        if self.streak != 0 {
            uint32::encode(3, &self.streak, buf);
        }
        self.buffs.iter().for_each(|b| message::encode(4, b, buf));
        if let Some(e) = encoded {
            buf.put_slice(&e.recent);
        }
        self.recent.iter().for_each(|a| message::encode(5, a, buf));
        if let Some(b) = &self.boss {
            message::encode(7, b, buf);
        }
    }

    fn merge_field(
        &mut self,
        tag: u32,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), prost::DecodeError> {
        match tag {
            1 => message::merge(
                wire_type,
                self.player.get_or_insert_with(Default::default),
                buf,
                ctx,
            ),
            2 => message::merge_repeated(wire_type, &mut self.weekly, buf, ctx),
            3 => uint32::merge(wire_type, &mut self.streak, buf, ctx),
            4 => message::merge_repeated(wire_type, &mut self.buffs, buf, ctx),
            5 => message::merge_repeated(wire_type, &mut self.recent, buf, ctx),
            7 => message::merge(
                wire_type,
                self.boss.get_or_insert_with(Default::default),
                buf,
                ctx,
            ),
            _ => skip_field(wire_type, tag, buf, ctx),
        }
    }

    fn encoded_len(&self) -> usize {
        let encoded = self
            .encoded
            .as_deref()
            .map_or(0, |e| e.weekly.len() + e.recent.len());
        encoded
            + self
                .player
                .as_ref()
                .map_or(0, |p| message::encoded_len(1, p))
            + message::encoded_len_repeated(2, &self.weekly)
            + if self.streak != 0 {
                uint32::encoded_len(3, &self.streak)
            } else {
                0
            }
            + message::encoded_len_repeated(4, &self.buffs)
            + message::encoded_len_repeated(5, &self.recent)
            + self.boss.as_ref().map_or(0, |b| message::encoded_len(7, b))
    }

    fn clear(&mut self) {
        *self = Dashboard::default();
    }
}

/// Players whose parts are kept at once; past this the memo starts over (a few KB
/// each, so memory stays small whatever the number of players).
const MAX_KEPT: usize = 1024;

struct Kept {
    version: i64,
    first_week: String,
    encoded: Arc<Encoded>,
}

#[derive(Default)]
pub struct PartsMemo {
    kept: Mutex<HashMap<i64, Kept>>,
}

impl PartsMemo {
    fn get(&self, id: i64, version: i64, first_week: &str) -> Option<Arc<Encoded>> {
        let kept = self.kept.lock().ok()?;
        kept.get(&id)
            .filter(|k| k.version == version && k.first_week == first_week)
            .map(|k| k.encoded.clone())
    }

    fn keep(&self, id: i64, parts: Kept) {
        if let Ok(mut kept) = self.kept.lock() {
            if kept.len() >= MAX_KEPT && !kept.contains_key(&id) {
                kept.clear();
            }
            kept.insert(id, parts);
        }
    }
}

fn parse<T: serde::de::DeserializeOwned, M: From<T>>(raw: &RawValue) -> Result<Vec<M>, Status> {
    let items: Vec<T> = serde_json::from_str(raw.get())
        .map_err(|e| status(ApiError::internal(format!("a cached part: {e}"))))?;
    Ok(items.into_iter().map(Into::into).collect())
}

pub async fn get(state: &AppState, memo: &PartsMemo, player_id: i64) -> Result<Dashboard, Status> {
    let head = state
        .dashboards()
        .dashboard_head(player_id)
        .await
        .map_err(status)?;
    let (id, version) = (head.row.id, head.row.version);
    // The chart and recent activities: kept encoded, or read (and kept unless they
    // carry photo links, signed per read).
    let (weekly, recent, encoded) = match memo.get(id, version, &head.first_week) {
        Some(encoded) => (Vec::new(), Vec::new(), Some(encoded)),
        None => {
            let parts = state
                .dashboards()
                .dashboard_cached_parts(&head.row, &head.first_week)
                .await
                .map_err(status)?;
            let weekly = parse::<model::WeekPoint, proto::WeeklyPoint>(&parts.weekly)?;
            if parts.recent.get().contains("/photos/") {
                let signed = state
                    .media
                    .sign_recent(id, parts.recent)
                    .await
                    .map_err(status::media)?;
                let recent = parse::<model::Activity, proto::Activity>(&signed)?;
                (weekly, recent, None)
            } else {
                let recent = parse::<model::Activity, proto::Activity>(&parts.recent)?;
                let encoded = Arc::new(Encoded::of(&weekly, &recent));
                let kept = Kept {
                    version,
                    first_week: head.first_week.clone(),
                    encoded: encoded.clone(),
                };
                memo.keep(id, kept);
                (Vec::new(), Vec::new(), Some(encoded))
            }
        }
    };
    Ok(Dashboard {
        streak: head.player.streak,
        buffs: head.player.buffs.iter().cloned().map(Into::into).collect(),
        player: Some(head.player.into()),
        weekly,
        recent,
        boss: Some(head.boss.into()),
        encoded,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    fn sample() -> Dashboard {
        let stats = proto::Stats {
            strength: 40,
            agility: 3,
            ..Default::default()
        };
        let weekly = (0..12)
            .map(|i| proto::WeeklyPoint {
                week_start: format!("2026-09-{:02}", i + 1),
                xp: i * 7,
                by_stat: (i % 2 == 0).then_some(stats),
            })
            .collect();
        let recent = (0..5)
            .map(|i| proto::Activity {
                id: 900 + i,
                kind: "strength".into(),
                occurred_at: "2026-11-30T07:00:00Z".into(),
                local_date: "2026-11-30".into(),
                xp: 120,
                stat: "strength".into(),
                edited: i == 3,
                duration_min: (i == 1).then_some(42.5),
                sets: vec![proto::Set {
                    exercise: "squat".into(),
                    weight_kg: 100.0,
                    reps: 5,
                }],
                note: (i == 2).then(|| "heavy day".into()),
                created_at: "2026-11-30T07:01:00Z".into(),
                ..Default::default()
            })
            .collect();
        Dashboard {
            player: Some(proto::Player {
                username: "goku".into(),
                ..Default::default()
            }),
            weekly,
            streak: 4,
            buffs: vec![proto::Buff {
                name: "combo".into(),
                multiplier: 1.2,
                expires_at: "2026-12-01T00:00:00Z".into(),
            }],
            recent,
            boss: Some(proto::Boss {
                name: "Laziness Demon".into(),
                hp: 900,
                ..Default::default()
            }),
            encoded: None,
        }
    }

    #[test]
    fn kept_parts_encode_exactly_as_the_messages_they_were_made_from() {
        let whole = sample();
        let mut kept = whole.clone();
        kept.encoded = Some(Arc::new(Encoded::of(&whole.weekly, &whole.recent)));
        kept.weekly.clear();
        kept.recent.clear();
        let (a, b) = (whole.encode_to_vec(), kept.encode_to_vec());
        assert_eq!(a, b);
        assert_eq!(b.len(), kept.encoded_len());
        let back = Dashboard::decode(b.as_slice()).unwrap();
        assert_eq!(back.weekly, whole.weekly);
        assert_eq!(back.recent, whole.recent);
        assert_eq!(back.player, whole.player);
        assert_eq!(back.boss, whole.boss);
        assert_eq!((back.streak, &back.buffs), (4, &whole.buffs));
        assert!(back.encoded.is_none());
        // Equality and serde see the encoded parts as their messages.
        assert_eq!(kept, whole);
        assert_ne!(Dashboard::default(), whole);
        assert_eq!(
            serde_json::to_value(&kept).unwrap(),
            serde_json::to_value(&whole).unwrap()
        );
        assert_eq!(
            serde_json::to_value(&kept).unwrap()["recent"][2]["note"],
            "heavy day"
        );
        // Defaults are left out, as the generated messages do.
        assert!(Dashboard::default().encode_to_vec().is_empty());
    }

    #[test]
    fn unknown_fields_are_skipped_and_repeated_fields_add_up() {
        let whole = sample();
        let mut bytes = whole.encode_to_vec();
        // Field 6 is reserved (the old boss_json): a string there is skipped.
        prost::encoding::string::encode(6, &"{}".to_string(), &mut bytes);
        message::encode(5, &whole.recent[0], &mut bytes);
        let back = Dashboard::decode(bytes.as_slice()).unwrap();
        assert_eq!(back.recent.len(), 6);
        assert_eq!(back.recent[5], whole.recent[0]);
    }

    /// The hand-written message has the proto's fields: numbers, types, repetition.
    #[test]
    fn the_hand_written_message_matches_the_proto() {
        use prost_types::field_descriptor_proto::{Label, Type};
        let set = prost_types::FileDescriptorSet::decode(super::super::DESCRIPTOR).unwrap();
        let message = set
            .file
            .iter()
            .filter(|f| f.package() == "shonen.v1")
            .flat_map(|f| &f.message_type)
            .find(|m| m.name() == "Dashboard")
            .expect("shonen.v1.Dashboard");
        let mut fields: Vec<_> = message
            .field
            .iter()
            .map(|f| (f.number(), f.name(), f.r#type(), f.label(), f.type_name()))
            .collect();
        fields.sort();
        let (msg, rep, one) = (Type::Message, Label::Repeated, Label::Optional);
        assert_eq!(
            fields,
            vec![
                (1, "player", msg, one, ".shonen.v1.Player"),
                (2, "weekly", msg, rep, ".shonen.v1.WeeklyPoint"),
                (3, "streak", Type::Uint32, one, ""),
                (4, "buffs", msg, rep, ".shonen.v1.Buff"),
                (5, "recent", msg, rep, ".shonen.v1.Activity"),
                (7, "boss", msg, one, ".shonen.v1.Boss"),
            ]
        );
    }
}
