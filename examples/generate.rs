//! A deterministic generator of region-scale test data for `escalate eval`.
//!
//! ```text
//! cargo run --release --example generate -- \
//!     --subjects 100000 --months 36 --concerns 50000 --end 2026-10 \
//!     --out target/bench-data [--seed 42] [--layout wide|long]
//! ```
//!
//! Writes three files that the call-back policy (conformance case 01) and the concerns
//! policy (conformance case 02) both run on:
//!
//! - `performance.csv`: `subject,period,callback_in_time,callbacks,cases_per_hour` (or,
//!   with `--layout long`, `subject,period,metric,value`), one row per clinician and month.
//!   Most clinicians answer 80–98% of call-backs in time; about one in ten dips below 80%
//!   now and then, and about one in twenty is persistently below. About 2% of cells are
//!   empty, some clinicians have a gap of a few months, and some join part-way through.
//! - `subjects.csv`: `subject,name,staff_group` (gp, anp or pharmacist).
//! - `concerns.csv`: `id,subject,raised_on,category,patient_safety,consequence,likelihood,summary`,
//!   concentrated on a minority of clinicians, as real concerns are.
//! - with `--events N` (language v1), `events.csv`: `id,subject,kind,date,case,outcome,attended`,
//!   about N dated events over the 24 months ending with `--end`, in date order: yearly
//!   appraisals of every clinician, and PSR action-plan cases (`request_accepted`,
//!   `plan_created`, 4-weekly `review_held`, fortnightly `touch_point`, `plan_completed`) that
//!   the policy `benches/policies/psr.policy` reads.
//!
//! The same arguments and seed always give byte-identical files. The benches reuse this file
//! (`#[path]`) through [`Config`] and [`generate`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use chrono::NaiveDate;
use clap::Parser;
use escalate::{Calendar, Month};

/// How to write the performance file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Layout {
    /// `subject,period,callback_in_time,callbacks,cases_per_hour`.
    #[default]
    Wide,
    /// `subject,period,metric,value`.
    Long,
}

/// What to generate.
#[derive(Clone, Debug, Parser)]
#[command(about = "Writes deterministic performance, subject and concern data for escalate")]
pub struct Config {
    /// How many clinicians.
    #[arg(long, default_value_t = 100_000)]
    pub subjects: usize,
    /// How many months of figures, ending with `--end`.
    #[arg(long, default_value_t = 36)]
    pub months: usize,
    /// How many concern records.
    #[arg(long, default_value_t = 50_000)]
    pub concerns: usize,
    /// The last month of figures, YYYY-MM.
    #[arg(long, default_value = "2026-10")]
    pub end: Month,
    /// The folder to write into (created if needed).
    #[arg(long, default_value = "target/bench-data")]
    pub out: PathBuf,
    /// The random seed.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// The performance file's layout.
    #[arg(long, value_enum, default_value_t)]
    pub layout: Layout,
    /// About how many events to write to `events.csv` (none, and no file, when 0).
    #[arg(long, default_value_t = 0)]
    pub events: usize,
}

/// What was written.
#[derive(Clone, Debug, Default)]
pub struct Written {
    /// Rows of `performance.csv` (not counting the header).
    pub performance_rows: usize,
    /// Empty cells in `performance.csv`.
    pub empty_cells: usize,
    /// Bytes of each file: performance, subjects, concerns, events (0 when not written).
    pub bytes: [u64; 4],
    /// Rows of `events.csv` (not counting the header).
    pub event_rows: usize,
    /// PSR cases in `events.csv`, and how many of them are still open at the end.
    pub cases: (usize, usize),
}

/// A clinician's habits, drawn once.
struct Clinician {
    /// Usual share of call-backs made in time, 0–1.
    base: f64,
    /// How much that share moves month to month.
    spread: f64,
    /// Chance of a bad month (a dip of 8–25 points).
    dip_chance: f64,
    /// Usual call-backs a month.
    volume: f64,
    /// Usual cases per hour.
    pace: f64,
    /// First month index with figures (later for clinicians who joined part-way).
    first: usize,
    /// A run of months with no row at all: `gap.0 .. gap.0 + gap.1`.
    gap: (usize, usize),
}

/// Fills `config.out` with the three files.
pub fn generate(config: &Config) -> io::Result<Written> {
    std::fs::create_dir_all(&config.out)?;
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let width = digits(config.subjects.max(1));
    let ids: Vec<String> = (1..=config.subjects)
        .map(|i| format!("c{i:0width$}"))
        .collect();
    let months: Vec<Month> = (0..config.months)
        .map(|i| config.end.offset(i as i32 - config.months as i32 + 1))
        .collect();

    let mut written = Written::default();
    written.bytes[1] = write_subjects(&config.out, &ids, &mut rng)?;
    let (rows, empty, bytes) = write_performance(config, &ids, &months, &mut rng)?;
    written.performance_rows = rows;
    written.empty_cells = empty;
    written.bytes[0] = bytes;
    written.bytes[2] = write_concerns(config, &ids, &months, &mut rng)?;
    if config.events > 0 {
        let events = psr_events(config, &ids, &mut rng);
        written.event_rows = events.rows.len();
        written.cases = (events.cases, events.open);
        written.bytes[3] = write_events(&config.out, &ids, events)?;
    }
    Ok(written)
}

fn digits(mut n: usize) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

fn create(dir: &Path, name: &str) -> io::Result<BufWriter<File>> {
    Ok(BufWriter::with_capacity(
        1 << 20,
        File::create(dir.join(name))?,
    ))
}

fn finish(out: BufWriter<File>) -> io::Result<u64> {
    let file = out.into_inner().map_err(|e| e.into_error())?;
    Ok(file.metadata()?.len())
}

const FIRST_NAMES: &[&str] = &[
    "Aisha", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Harry", "Isla", "Jack", "Kiran",
    "Laura", "Mohammed", "Niamh", "Oliver", "Priya", "Rhys", "Sophie", "Tom", "Uma", "Zara",
];
const LAST_NAMES: &[&str] = &[
    "Ahmed", "Brown", "Chen", "Davies", "Evans", "Fraser", "Green", "Hughes", "Iqbal", "Jones",
    "Khan", "Lewis", "Morgan", "Nowak", "O'Brien", "Patel", "Roberts", "Smith", "Taylor",
    "Williams", "Wright",
];

fn write_subjects(dir: &Path, ids: &[String], rng: &mut fastrand::Rng) -> io::Result<u64> {
    let mut out = create(dir, "subjects.csv")?;
    writeln!(out, "subject,name,staff_group")?;
    for id in ids {
        let group = match rng.u32(0..100) {
            0..=59 => "gp",
            60..=84 => "anp",
            _ => "pharmacist",
        };
        let first = FIRST_NAMES[rng.usize(..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.usize(..LAST_NAMES.len())];
        writeln!(out, "{id},Dr {first} {last},{group}")?;
    }
    finish(out)
}

/// A normal deviate (Box–Muller), for month-to-month noise.
fn normal(rng: &mut fastrand::Rng) -> f64 {
    let u = rng.f64().max(1e-12);
    let v = rng.f64();
    (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
}

fn clinician(rng: &mut fastrand::Rng, months: usize) -> Clinician {
    // 85% steady (80–98% in time), 10% intermittently below 80%, 5% persistently below.
    let kind = rng.u32(0..100);
    let (base, spread, dip_chance) = match kind {
        0..=84 => (0.84 + 0.13 * rng.f64(), 0.025, 0.01),
        85..=94 => (0.80 + 0.08 * rng.f64(), 0.04, 0.15),
        _ => (0.62 + 0.16 * rng.f64(), 0.05, 0.05),
    };
    // Most make 20–80 call-backs a month; some part-timers fewer.
    let volume = if rng.u32(0..100) < 15 {
        8.0 + 14.0 * rng.f64()
    } else {
        20.0 + 60.0 * rng.f64()
    };
    let pace = 1.6 + 1.8 * rng.f64();
    // 4% joined part-way through; 5% have a gap of 1–3 months with no row.
    let first = if rng.u32(0..100) < 4 && months > 1 {
        rng.usize(1..months)
    } else {
        0
    };
    let gap = if rng.u32(0..100) < 5 && months > 0 {
        (rng.usize(0..months), rng.usize(1..=3))
    } else {
        (months, 0)
    };
    Clinician {
        base,
        spread,
        dip_chance,
        volume,
        pace,
        first,
        gap,
    }
}

/// Writes tenths as `87.5` or `88` (no trailing `.0`).
fn write_tenths(out: &mut impl Write, tenths: u64) -> io::Result<()> {
    match tenths % 10 {
        0 => write!(out, "{}", tenths / 10),
        d => write!(out, "{}.{d}", tenths / 10),
    }
}

fn write_performance(
    config: &Config,
    ids: &[String],
    months: &[Month],
    rng: &mut fastrand::Rng,
) -> io::Result<(usize, usize, u64)> {
    let mut out = create(&config.out, "performance.csv")?;
    match config.layout {
        Layout::Wide => writeln!(
            out,
            "subject,period,callback_in_time,callbacks,cases_per_hour"
        )?,
        Layout::Long => writeln!(out, "subject,period,metric,value")?,
    }
    let periods: Vec<String> = months.iter().map(Month::to_string).collect();
    let (mut rows, mut empty) = (0usize, 0usize);
    for id in ids {
        let c = clinician(rng, months.len());
        for (m, period) in periods.iter().enumerate() {
            if m < c.first || (c.gap.0..c.gap.0 + c.gap.1).contains(&m) {
                continue;
            }
            // Call-backs made: the usual volume, +/- 25%.
            let made = (c.volume * (1.0 + 0.25 * normal(rng))).round().max(0.0) as u64;
            let mut share = c.base + c.spread * normal(rng);
            if rng.f64() < c.dip_chance {
                share -= 0.08 + 0.17 * rng.f64();
            }
            let share = share.clamp(0.0, 1.0);
            let in_time = (made as f64 * share).round() as u64;
            let percent = (made > 0).then(|| (in_time * 1000 + made / 2) / made);
            let pace = ((c.pace + 0.2 * normal(rng)).max(0.5) * 10.0).round() as u64;
            // About 2% of cells are empty, independently.
            let cells = [
                percent.filter(|_| rng.u32(0..100) >= 2),
                Some(made).filter(|_| rng.u32(0..100) >= 2),
                Some(pace).filter(|_| rng.u32(0..100) >= 2),
            ];
            empty += cells.iter().filter(|c| c.is_none()).count();
            match config.layout {
                Layout::Wide => {
                    write!(out, "{id},{period},")?;
                    if let Some(p) = cells[0] {
                        write_tenths(&mut out, p)?;
                    }
                    out.write_all(b",")?;
                    if let Some(n) = cells[1] {
                        write!(out, "{n}")?;
                    }
                    out.write_all(b",")?;
                    if let Some(p) = cells[2] {
                        write!(out, "{}.{}", p / 10, p % 10)?;
                    }
                    out.write_all(b"\n")?;
                    rows += 1;
                }
                Layout::Long => {
                    write!(out, "{id},{period},callback_in_time,")?;
                    if let Some(p) = cells[0] {
                        write_tenths(&mut out, p)?;
                    }
                    out.write_all(b"\n")?;
                    write!(out, "{id},{period},callbacks,")?;
                    if let Some(n) = cells[1] {
                        write!(out, "{n}")?;
                    }
                    out.write_all(b"\n")?;
                    write!(out, "{id},{period},cases_per_hour,")?;
                    if let Some(p) = cells[2] {
                        write!(out, "{}.{}", p / 10, p % 10)?;
                    }
                    out.write_all(b"\n")?;
                    rows += 3;
                }
            }
        }
    }
    Ok((rows, empty, finish(out)?))
}

const SUMMARIES: &[(&str, &str)] = &[
    ("clinical", "Prescribing error caught by pharmacist"),
    ("clinical", "Missed referral"),
    ("clinical", "Delayed diagnosis"),
    ("clinical", "\"Unsafe discharge advice, no safety-netting\""),
    ("clinical", "Serious medication incident"),
    ("behavioural", "Complaint about attitude"),
    ("behavioural", "\"Rude to a colleague, witnessed\""),
    ("behavioural", "Complaint about manner"),
    ("governance", "Records incomplete"),
    ("governance", "Late submission of audit"),
    ("governance", "\"Lapsed training: safeguarding, level 3\""),
    ("health", "Sickness affecting sessions"),
    ("health", "Occupational health referral"),
];

fn write_concerns(
    config: &Config,
    ids: &[String],
    months: &[Month],
    rng: &mut fastrand::Rng,
) -> io::Result<u64> {
    let mut out = create(&config.out, "concerns.csv")?;
    writeln!(
        out,
        "id,subject,raised_on,category,patient_safety,consequence,likelihood,summary"
    )?;
    if ids.is_empty() || months.is_empty() {
        return finish(out);
    }
    let first_day = months[0].first_day();
    let days = (months[months.len() - 1].last_day() - first_day).num_days() + 1;
    // Concerns cluster: 70% fall on the first tenth of clinicians (a shuffled tenth, so not
    // the lowest ids), the rest on anyone.
    let mut order: Vec<usize> = (0..ids.len()).collect();
    rng.shuffle(&mut order);
    let prone = (ids.len() / 10).max(1);
    let width = digits(config.concerns.max(1)).max(3);
    for n in 1..=config.concerns {
        let subject = if rng.u32(0..100) < 70 {
            &ids[order[rng.usize(..prone)]]
        } else {
            &ids[rng.usize(..ids.len())]
        };
        let raised_on = first_day + chrono::Duration::days(rng.i64(0..days));
        let (category, summary) = SUMMARIES[rng.usize(..SUMMARIES.len())];
        let safety_chance = if category == "clinical" { 35 } else { 5 };
        let patient_safety = match (rng.u32(0..100) < safety_chance, rng.u32(0..10)) {
            (true, 0) => "Yes",
            (true, _) => "yes",
            (false, 0) => "No",
            (false, _) => "no",
        };
        // Mostly minor: consequence and likelihood skew low (1–5).
        let skewed = |rng: &mut fastrand::Rng| 1 + rng.u32(0..5).min(rng.u32(0..5));
        let consequence = skewed(rng);
        let likelihood = skewed(rng);
        writeln!(
            out,
            "K-{n:0width$},{subject},{raised_on},{category},{patient_safety},{consequence},{likelihood},{summary}"
        )?;
    }
    finish(out)
}

/// The kinds of event `events.csv` holds (the PSR action-plan kinds of spec §11, and a
/// subject event).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EventKind {
    Appraisal,
    Accepted,
    PlanCreated,
    Review,
    TouchPoint,
    Completed,
}

impl EventKind {
    fn name(self) -> &'static str {
        match self {
            EventKind::Appraisal => "appraisal_done",
            EventKind::Accepted => "request_accepted",
            EventKind::PlanCreated => "plan_created",
            EventKind::Review => "review_held",
            EventKind::TouchPoint => "touch_point",
            EventKind::Completed => "plan_completed",
        }
    }
}

/// One row of `events.csv`.
struct EventRow {
    /// Days since the first day of the events' range.
    day: u32,
    id: u32,
    subject: u32,
    kind: EventKind,
    /// The case number (0 for a subject event).
    case: u32,
    outcome: &'static str,
    attended: &'static str,
}

/// The events made, unsorted, with how many cases there are and how many are still open.
struct Events {
    rows: Vec<EventRow>,
    first_day: NaiveDate,
    cases: usize,
    open: usize,
}

/// What one case is like, drawn once.
struct CaseShape {
    subject: u32,
    case: u32,
    accepted: NaiveDate,
    /// Whether the practitioner engages: attends touch points and improves.
    engaged: bool,
}

/// Appraisals for every clinician, then PSR cases until about `config.events` events.
fn psr_events(config: &Config, ids: &[String], rng: &mut fastrand::Rng) -> Events {
    let first_day = config.end.offset(-23).first_day();
    let last_day = config.end.last_day();
    let mut events = Events {
        rows: Vec::with_capacity(config.events + 64),
        first_day,
        cases: 0,
        open: 0,
    };
    if ids.is_empty() {
        return events;
    }
    let days = (last_day - first_day).num_days();
    // Every clinician is appraised about once a year (8% of years are missed).
    for subject in 0..ids.len() as u32 {
        let mut day = rng.i64(0..365);
        while day <= days && events.rows.len() < config.events {
            if rng.u32(0..100) >= 8 {
                let date = first_day + chrono::Duration::days(day);
                events.push(date, subject, EventKind::Appraisal, 0, "", "");
            }
            day += 365 + rng.i64(-30..45);
        }
    }
    let calendar = Calendar::default();
    while events.rows.len() < config.events {
        events.cases += 1;
        let shape = CaseShape {
            subject: rng.u32(..ids.len() as u32),
            case: events.cases as u32,
            accepted: first_day + chrono::Duration::days(rng.i64(0..=days)),
            engaged: rng.u32(0..100) < 70,
        };
        if !one_case(&mut events, &shape, &calendar, last_day, rng) {
            events.open += 1;
        }
    }
    events
}

/// Adds one case's events up to `last_day`; true when the case was completed by then.
fn one_case(
    events: &mut Events,
    shape: &CaseShape,
    calendar: &Calendar,
    last_day: NaiveDate,
    rng: &mut fastrand::Rng,
) -> bool {
    let (subject, case, accepted) = (shape.subject, shape.case, shape.accepted);
    events.push(accepted, subject, EventKind::Accepted, case, "", "");
    // Plans last 4 to 14 months; the case is completed a few days after that.
    let length = rng.u32(4..=14);
    let completed = accepted.checked_add_months(chrono::Months::new(length));
    let completed = completed.map(|d| d + chrono::Duration::days(rng.i64(0..20)));
    let closed = completed.filter(|d| *d <= last_day);
    let end = closed.unwrap_or(last_day);
    // 80% of plans are created within 20 working days, 15% late, 5% not at all.
    let plan_in = match rng.u32(0..100) {
        0..=79 => Some(rng.u32(0..=20)),
        80..=94 => Some(rng.u32(21..=45)),
        _ => None,
    };
    if let Some(plan) = plan_in.and_then(|n| calendar.add_working_days(accepted, n)) {
        if plan <= end {
            events.push(plan, subject, EventKind::PlanCreated, case, "", "");
        }
    }
    // Reviews every 3 to 4 weeks, now and then 5 to 8 weeks apart.
    let mut review = accepted;
    loop {
        let gap = match rng.u32(0..100) {
            0..=84 => rng.i64(21..=30),
            _ => rng.i64(31..=60),
        };
        review += chrono::Duration::days(gap);
        if review >= end {
            break;
        }
        let outcome = match (shape.engaged, rng.u32(0..100)) {
            (true, 0..=54) | (false, 0..=14) => "improving",
            (true, 55..=89) | (false, 15..=64) => "no_change",
            _ => "worse",
        };
        events.push(review, subject, EventKind::Review, case, outcome, "");
    }
    // Touch points every one to three weeks.
    let mut touch = accepted;
    loop {
        touch += chrono::Duration::days(rng.i64(7..=21));
        if touch >= end {
            break;
        }
        let attended = match (shape.engaged, rng.u32(0..100)) {
            (true, 0..=91) | (false, 0..=54) => "yes",
            _ => "no",
        };
        events.push(touch, subject, EventKind::TouchPoint, case, "", attended);
    }
    if let Some(closed) = closed {
        events.push(closed, subject, EventKind::Completed, case, "", "");
    }
    closed.is_some()
}

impl Events {
    fn push(
        &mut self,
        date: NaiveDate,
        subject: u32,
        kind: EventKind,
        case: u32,
        outcome: &'static str,
        attended: &'static str,
    ) {
        let day = (date - self.first_day).num_days() as u32;
        let id = self.rows.len() as u32 + 1;
        self.rows.push(EventRow {
            day,
            id,
            subject,
            kind,
            case,
            outcome,
            attended,
        });
    }
}

/// Writes `events.csv` in date order (then id), as an extract of an event log would be.
fn write_events(dir: &Path, ids: &[String], mut events: Events) -> io::Result<u64> {
    events.rows.sort_unstable_by_key(|row| (row.day, row.id));
    let last = events.rows.last().map_or(0, |row| row.day);
    let dates: Vec<String> = (0..=last)
        .map(|day| (events.first_day + chrono::Duration::days(i64::from(day))).to_string())
        .collect();
    let id_width = digits(events.rows.len().max(1));
    let case_width = digits(events.cases.max(1));
    let mut out = create(dir, "events.csv")?;
    writeln!(out, "id,subject,kind,date,case,outcome,attended")?;
    for row in &events.rows {
        let (subject, kind) = (&ids[row.subject as usize], row.kind.name());
        let date = &dates[row.day as usize];
        write!(out, "E{:0id_width$},{subject},{kind},{date},", row.id)?;
        if row.case > 0 {
            write!(out, "psr-{:0case_width$}", row.case)?;
        }
        writeln!(out, ",{},{}", row.outcome, row.attended)?;
    }
    finish(out)
}

#[allow(dead_code)]
fn main() -> io::Result<()> {
    let config = Config::parse();
    let started = Instant::now();
    let written = generate(&config)?;
    let mb = |b: u64| b as f64 / 1e6;
    eprintln!(
        "wrote {}: performance.csv {:.1} MB ({} rows, {} empty cells), subjects.csv {:.1} MB, \
         concerns.csv {:.1} MB, events.csv {:.1} MB ({} rows, {} cases, {} open); \
         {:.1} MB in all, in {:.2?}",
        config.out.display(),
        mb(written.bytes[0]),
        written.performance_rows,
        written.empty_cells,
        mb(written.bytes[1]),
        mb(written.bytes[2]),
        mb(written.bytes[3]),
        written.event_rows,
        written.cases.0,
        written.cases.1,
        mb(written.bytes.iter().sum()),
        started.elapsed(),
    );
    Ok(())
}
