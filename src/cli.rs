//! The `faultline` command line: one binary, one subcommand per role.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use poem_openapi::types::ToJSON;

use crate::analysis::engine::Engine;
use crate::analysis::{AnalysisRequest, Analyzer, ArtifactKind, Limits, Metadata};
use crate::audit;
use crate::config::Settings;
use crate::engine::{EventType, Functions, JobId};
use crate::replay::Verdict;
use crate::startup::{self, App, Role};
use crate::store::Keys;
use crate::store::acl::{self, AclRole};

#[derive(Debug, Parser)]
#[command(
    name = "faultline",
    version,
    about = "Production-readiness analysis on an event-sourced Redis job engine"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// API and workers in one process (the default). Without REDIS_URL, uses
    /// localhost:6379 or starts a private redis-server with AOF.
    Serve,
    /// The HTTP API only.
    Api,
    /// Workers only.
    Worker,
    /// Apply pending Redis migrations (functions library, consumer groups).
    Migrate,
    /// Analyse a file offline (no Redis).
    Analyze {
        file: PathBuf,
        #[arg(long = "type", value_enum, default_value = "auto")]
        kind: KindArg,
        #[arg(long, value_enum, default_value = "markdown")]
        format: FormatArg,
        /// An OpenAPI file to check an architecture or design doc against.
        #[arg(long)]
        spec: Option<PathBuf>,
    },
    /// A job's timeline from its event log, and whether the stored snapshot
    /// equals the fold of the log.
    #[command(after_help = REPLAY_EXIT_STATUS)]
    Replay {
        job_id: String,
        /// Also show the full state as of event N (1-based).
        #[arg(long)]
        at: Option<usize>,
        /// The same document as `GET /jobs/{id}/replay`.
        #[arg(long)]
        json: bool,
    },
    /// Rebuild snapshots, job index and cache entries from the audit streams
    /// (one atomic Lua call per job: safe while the service runs).
    Rebuild {
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        job: Option<String>,
        /// Every job with a retained log (walks the shard feeds and indexes).
        #[arg(long)]
        all: bool,
        /// Report what drifted without writing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        json: bool,
    },
    /// The audit log.
    Events {
        #[command(subcommand)]
        command: EventsCommand,
    },
    /// The Redis keys behind a job: TTLs, values, stream entries, work entry.
    Inspect {
        job_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Rerun today's analyser on a job's retained artifact and compare the
    /// score and findings with its recorded result (writes nothing).
    Reanalyze {
        job_id: String,
        #[arg(long)]
        json: bool,
    },
    /// Print the least-privilege Redis ACL (`ACL SETUSER` lines) for the
    /// service user and the admin user (migrate and the debugging commands),
    /// for the configured key prefixes. Passwords come from
    /// FAULTLINE_ACL_PASSWORD and FAULTLINE_ACL_ADMIN_PASSWORD (only their
    /// SHA-256 is printed); without one, that user cannot log in yet.
    Acl {
        #[arg(long, default_value = "faultline")]
        user: String,
        #[arg(long, default_value = "faultline-admin")]
        admin_user: String,
        /// Print `user …` lines for a Redis ACL file (`aclfile` in
        /// redis.conf, or `redis-server --aclfile`) instead of commands.
        #[arg(long)]
        aclfile: bool,
    },
    /// Print a new random API key (first line, for its client) and the
    /// `sha256:` entry that accepts it (second line, for
    /// FAULTLINE_API_KEYS_FILE or FAULTLINE_API_KEYS), so the server stores
    /// only the key's hash.
    ApiKey,
    /// Print the OpenAPI spec the API serves (JSON, or YAML with --yaml).
    Openapi {
        #[arg(long)]
        yaml: bool,
    },
}

/// `faultline replay --help`: what its exit status says (also in the README).
const REPLAY_EXIT_STATUS: &str = "\
Exit status:
  0  consistent (the stored snapshot equals the fold of the log), or
     snapshot_expired (its lifetime has passed: JOB_EXPIRATION after the job
     ended, EVENT_RETENTION while it had not; the log tells the story)
  1  no replay: a malformed job id, an unknown job (no snapshot, no log),
     --at past the log, Redis unreachable
  2  usage error (an unknown option)
  3  the snapshot disagrees with the log: drifted, or snapshot_missing
     (deleted or evicted before its lifetime ended); `rebuild --job` repairs it
  4  the log cannot vouch for the snapshot: corrupt (the fold refuses an
     event, or an entry is not an event), or log_missing (a snapshot whose
     log is gone)";

/// Exit status of `replay` for a snapshot that disagrees with its log.
pub const EXIT_DRIFT: u8 = 3;
/// Exit status of `replay` for a log that is corrupt or gone.
pub const EXIT_BAD_LOG: u8 = 4;

/// A command that ran to its end and found something wrong: the message
/// for stderr and the exit status (`main` uses it; other errors exit 1).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Finding {
    pub status: u8,
    pub message: String,
}

#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// The last events (every shard's feed, or one job's own stream), then
    /// new ones with --follow.
    Tail {
        #[arg(long)]
        job: Option<String>,
        /// Only events of this type (queued, started, progress, completed,
        /// ...). Each stream is read backwards until it has --count matches,
        /// or at most 20,000 entries (then only events since that point are
        /// shown, and a note on stderr says so).
        #[arg(long = "type", value_parser = parse_event_type)]
        kind: Option<EventType>,
        #[arg(long)]
        follow: bool,
        /// How many past events to show first.
        #[arg(long, default_value_t = 20)]
        count: usize,
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
}

fn parse_event_type(s: &str) -> Result<EventType, String> {
    EventType::parse(s).ok_or_else(|| {
        let all: Vec<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        format!("unknown event type {s:?}; one of {}", all.join(", "))
    })
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum KindArg {
    Auto,
    OpenapiJson,
    OpenapiYaml,
    Architecture,
    Markdown,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    Json,
    Markdown,
}

impl From<KindArg> for ArtifactKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Auto => ArtifactKind::Auto,
            KindArg::OpenapiJson => ArtifactKind::OpenapiJson,
            KindArg::OpenapiYaml => ArtifactKind::OpenapiYaml,
            KindArg::Architecture => ArtifactKind::Architecture,
            KindArg::Markdown => ArtifactKind::Markdown,
        }
    }
}

/// The analyser the service runs.
pub fn analyzer(settings: &Settings) -> Arc<dyn Analyzer> {
    let limits = Limits {
        max_bytes: settings.max_content_size.max(1),
        max_findings: settings.max_findings,
        ..Limits::default()
    };
    Arc::new(Engine::new(settings.ai.clone(), limits))
}

/// Runs a command. Offline commands (`analyze`, `openapi`) run without an
/// async runtime; the others get a multi-threaded Tokio runtime.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli.command.unwrap_or(Command::Serve);
    match command {
        Command::Analyze {
            file,
            kind,
            format,
            spec,
        } => analyze(&file, kind.into(), format, spec.as_deref()),
        Command::Acl {
            user,
            admin_user,
            aclfile,
        } => {
            let settings = Settings::from_env()?;
            let password = |name| std::env::var(name).ok().filter(|p| !p.is_empty());
            let users = [
                (
                    user.as_str(),
                    AclRole::Service,
                    password("FAULTLINE_ACL_PASSWORD"),
                ),
                (
                    admin_user.as_str(),
                    AclRole::Admin,
                    password("FAULTLINE_ACL_ADMIN_PASSWORD"),
                ),
            ];
            let keys = startup::keys(&settings);
            let lines = acl_lines(&keys, &users);
            if aclfile {
                // An ACL file holds the same rules, one `user` line each.
                let file: String = lines
                    .lines()
                    .map(|l| l.replacen("ACL SETUSER ", "user ", 1) + "\n")
                    .collect();
                return emit(file.trim_end());
            }
            emit(lines.trim_end())
        }
        Command::ApiKey => {
            let (key, entry) = crate::api::new_api_key();
            emit(&format!("{key}\n{entry}"))
        }
        Command::Openapi { yaml } => {
            let spec = if yaml {
                crate::api::spec_yaml()
            } else {
                crate::api::spec_json()
            };
            emit(spec.trim_end())
        }
        online => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()?
            .block_on(run_online(online)),
    }
}

async fn run_online(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(Role::Serve).await,
        Command::Api => serve(Role::Api).await,
        Command::Worker => serve(Role::Worker).await,
        Command::Migrate => migrate().await,
        Command::Replay { job_id, at, json } => replay(&job_id, at, json).await,
        Command::Rebuild {
            job,
            all: _,
            dry_run,
            json,
        } => rebuild(job.as_deref(), dry_run, json).await,
        Command::Events {
            command:
                EventsCommand::Tail {
                    job,
                    kind,
                    follow,
                    count,
                    json,
                },
        } => {
            let job = job.as_deref().map(str::parse).transpose()?;
            tail(audit::tail::Filter { job, kind }, follow, count, json).await
        }
        Command::Inspect { job_id, json } => inspect(&job_id, json).await,
        Command::Reanalyze { job_id, json } => reanalyze(&job_id, json).await,
        Command::Analyze { .. }
        | Command::Openapi { .. }
        | Command::Acl { .. }
        | Command::ApiKey => {
            unreachable!("offline commands run in `run`")
        }
    }
}

fn settings() -> anyhow::Result<Settings> {
    let settings = Settings::from_env()?;
    crate::telemetry::init(&settings.log_level, settings.log_format);
    Ok(settings)
}

async fn serve(role: Role) -> anyhow::Result<()> {
    let settings = settings()?;
    let analyzer = analyzer(&settings);
    let app = App::build(settings, role, analyzer).await?;
    if app.port != 0 {
        println!(
            "faultline listening on http://127.0.0.1:{} (docs at /docs)",
            app.port
        );
    }
    app.run_until_stopped().await
}

async fn migrate() -> anyhow::Result<()> {
    let settings = settings()?;
    let fns = startup::connect(&settings).await?;
    let report = startup::migrate_with_patience(&fns).await?;
    println!(
        "faultline library v{} (was v{}){}; {} consumer group(s) created",
        report.to,
        report.from,
        if report.loaded {
            ", loaded"
        } else {
            ", already current"
        },
        report.groups_created
    );
    Ok(())
}

fn analyze(
    file: &std::path::Path,
    kind: ArtifactKind,
    format: FormatArg,
    spec: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let content = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "{} is not UTF-8 text (byte {})",
            file.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    if content.trim().is_empty() {
        // As the API answers EMPTY_CONTENT: nothing to judge is no 0/100.
        anyhow::bail!("{} is empty: there is nothing to analyse", file.display());
    }
    let metadata = Metadata {
        spec: spec
            .map(|p| {
                std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))
            })
            .transpose()?,
        ..Metadata::default()
    };
    let settings = Settings::from_env()?;
    let engine = Engine::new(settings.ai.clone(), Limits::default());
    let report = engine
        .analyze(
            &AnalysisRequest {
                content: &content,
                kind,
                metadata: &metadata,
            },
            &mut |_| {},
        )
        .map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    match format {
        FormatArg::Json => emit(&serde_json::to_string_pretty(&report.result)?)?,
        FormatArg::Markdown => emit(&report.markdown)?,
    }
    Ok(())
}

/// Typed access to the configured Redis, for the debugging commands. An
/// unreachable Redis is named, with where the address comes from.
async fn functions() -> anyhow::Result<(Settings, Functions)> {
    let settings = settings()?;
    let target = startup::default_target(&settings).await;
    let fns = startup::functions(&settings, &target)?;
    fns.store.ping().await.with_context(|| {
        format!(
            "cannot reach Redis at {target}: set REDIS_URL (or REDIS_CLUSTER_NODES), \
             or run this beside the `faultline serve` whose FAULTLINE_DATA_DIR ({}) \
             holds its private Redis",
            settings.data_dir
        )
    })?;
    Ok((settings, fns))
}

async fn replay(job_id: &str, at: Option<usize>, json: bool) -> anyhow::Result<()> {
    let job: JobId = job_id.parse()?;
    let (_, fns) = functions().await?;
    let replay = crate::replay::replay(&fns, job).await?;
    if replay.verdict == Verdict::Unknown {
        anyhow::bail!("job {job} is unknown: no snapshot and no retained events");
    }
    if let Some(n) = at {
        replay.state_at(n)?;
    }
    if json {
        let view = crate::api::replay::ReplayView::build(&replay, at.map(|n| n as u64))?;
        let mut doc = view.to_json().unwrap_or_default();
        // Values this process could not decrypt (the API answers 500 instead).
        if let (false, Some(map)) = (replay.sealed.is_empty(), doc.as_object_mut()) {
            map.insert("sealed".into(), serde_json::json!(replay.sealed));
        }
        emit(&serde_json::to_string_pretty(&doc)?)?;
    } else {
        emit(crate::replay::render(&replay, at).trim_end())?;
    }
    let (status, message) = match replay.verdict {
        Verdict::Drifted { .. } => (EXIT_DRIFT, "the snapshot drifted from the log"),
        Verdict::SnapshotMissing { .. } => (
            EXIT_DRIFT,
            "the snapshot is missing before its lifetime ended",
        ),
        Verdict::Corrupt { .. } => (
            EXIT_BAD_LOG,
            "the log is corrupt: the fold refused an event",
        ),
        Verdict::LogMissing => (EXIT_BAD_LOG, "the job's log is missing"),
        Verdict::Consistent | Verdict::SnapshotExpired | Verdict::Unknown => return Ok(()),
    };
    Err(Finding {
        status,
        message: message.to_string(),
    }
    .into())
}

async fn rebuild(job: Option<&str>, dry_run: bool, json: bool) -> anyhow::Result<()> {
    let job: Option<JobId> = job.map(str::parse).transpose()?;
    let (_, fns) = functions().await?;
    // The rebuild function arrived with a library version: make sure it is loaded.
    startup::migrate_with_patience(&fns).await?;
    let report = audit::rebuild::rebuild(&fns, job, dry_run).await?;
    if json {
        emit(&serde_json::to_string_pretty(&report)?)
    } else {
        emit(audit::rebuild::render(&report).trim_end())
    }
}

async fn tail(
    filter: audit::tail::Filter,
    follow: bool,
    count: usize,
    json: bool,
) -> anyhow::Result<()> {
    let (_, fns) = functions().await?;
    let show = |line: &audit::tail::TailLine| {
        let text = if json {
            serde_json::to_string(line).expect("tail lines serialise")
        } else {
            audit::tail::render(line)
        };
        emit(&text).is_ok()
    };
    let recent = audit::tail::recent(&fns, &filter, count).await?;
    if let (Some(job), 0) = (filter.job, recent.scanned) {
        // Nothing to tail, now or later: say why instead of printing nothing.
        let key = fns.store.keys.job(job.shard(), &job.to_string());
        let mut conn = fns.store.conn.clone();
        if redis::AsyncCommands::exists::<_, bool>(&mut conn, key).await? {
            anyhow::bail!(
                "job {job} has no retained log (expired or deleted), though its snapshot is still stored"
            );
        }
        anyhow::bail!("job {job} is unknown or has expired: no snapshot and no retained log");
    }
    for line in &recent.lines {
        show(line);
    }
    if let Some(cut) = &recent.cut {
        eprintln!(
            "faultline: fewer than {count} matches within the last {} entries of {} stream(s) \
             (the scan budget): only events since {} are shown, older matches there were not read",
            audit::tail::SCAN_BUDGET,
            cut.streams,
            crate::replay::time_ms(cut.since_ms)
        );
    }
    if follow {
        audit::tail::follow(&fns, &filter, recent.cursor, show).await?;
    }
    Ok(())
}

async fn inspect(job_id: &str, json: bool) -> anyhow::Result<()> {
    let job: JobId = job_id.parse()?;
    let (_, fns) = functions().await?;
    let inspection = audit::inspect::inspect(&fns, job).await?;
    if !inspection.found {
        anyhow::bail!(
            "job {job} is unknown or has expired: Redis holds no snapshot, log, index entry, \
             work entry or dead letter of it"
        );
    }
    if json {
        emit(&serde_json::to_string_pretty(&inspection)?)
    } else {
        emit(audit::inspect::render(&inspection).trim_end())
    }
}

async fn reanalyze(job_id: &str, json: bool) -> anyhow::Result<()> {
    let job: JobId = job_id.parse()?;
    let (settings, fns) = functions().await?;
    let r = audit::reanalyze::reanalyze(&fns, analyzer(&settings), job).await?;
    if json {
        emit(&serde_json::to_string_pretty(&r)?)
    } else {
        emit(audit::reanalyze::render(&r).trim_end())
    }
}

/// One `ACL SETUSER` line per user.
pub fn acl_lines(keys: &Keys, users: &[(&str, AclRole, Option<String>)]) -> String {
    users
        .iter()
        .map(|(name, role, password)| {
            acl::setuser(name, password.as_deref(), &acl::rules(keys, *role)) + "\n"
        })
        .collect()
}

/// `faultline acl` without passwords, for the default user names.
pub fn acl_text(keys: &Keys) -> String {
    acl_lines(
        keys,
        &[
            ("faultline", AclRole::Service, None),
            ("faultline-admin", AclRole::Admin, None),
        ],
    )
}

/// Writes a result to stdout; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out
        .write_all(text.as_bytes())
        .and_then(|_| out.write_all(b"\n"))
        .and_then(|_| out.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
