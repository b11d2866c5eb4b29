//! Benchmarks of the hot rules: one 20-set strength session and one full duel.

use criterion::{Criterion, criterion_group, criterion_main};
use shonen_rules::{
    Class, Fighter, Set, StrengthInput, StrengthOptions, moves_for, session_xp, simulate,
};
use std::hint::black_box;

fn strength_session(c: &mut Criterion) {
    let input = StrengthInput {
        sets: (0..20)
            .map(|i| Set {
                exercise: "squat".into(),
                weight_kg: 60.0 + f64::from(i) * 2.5,
                reps: 3 + (i % 18),
            })
            .collect(),
        duration_min: 75.0,
        fatigue: 45,
        sessions_last_7d: 3,
        edited: false,
    };
    c.bench_function("session_xp_20_sets", |b| {
        b.iter(|| session_xp(black_box(&input), StrengthOptions::default()))
    });
}

fn battle(c: &mut Criterion) {
    let fighter =
        |name: &str, total_xp: i64, streak: u32, strength_xp: i64, fighting: i64| Fighter {
            username: name.into(),
            total_xp,
            streak,
            strength_xp,
            class: Class::Brawler,
            level: shonen_rules::level_for_xp(total_xp),
            moves: moves_for(fighting),
        };
    let a = fighter("Kenji", 12_000, 9, 4_000, 1_600);
    let b = fighter("Rin", 9_000, 14, 2_500, 2_200);
    let mut seed = 0u64;
    c.bench_function("battle_simulation", |bench| {
        bench.iter(|| {
            seed = seed.wrapping_add(1);
            simulate(black_box(&a), black_box(&b), seed)
        })
    });
}

criterion_group!(benches, strength_session, battle);
criterion_main!(benches);
