//! The QA commands' edges: choosing the catalog and rubric, files, exit codes.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use super::group::Layout;
use super::input::InputOptions;
use super::kpi::{KpiRules, Platform, ServiceHours};
use super::problem::{cannot_read, cannot_write};
use super::run::{self, ScoreOptions};
use crate::cli::{EXIT_CONTENT, EXIT_USAGE, ScoreArgs, report_diagnostics};
use crate::content::{Content, SourceFile};
use crate::engine::Scorer;
use crate::lang::Lang;
use crate::qa::Format;
use crate::tr;
use crate::transcript::Role;

fn usage(message: String) -> anyhow::Result<ExitCode> {
    eprintln!("kefu: {message}");
    Ok(ExitCode::from(EXIT_USAGE))
}

/// Content that does not load: its problems, and the status every command gives for them.
fn broken_content(problems: &[crate::content::Diagnostic], lang: Lang) -> anyhow::Result<ExitCode> {
    report_diagnostics(problems, lang);
    Ok(ExitCode::from(EXIT_CONTENT))
}

/// `--threads`: 0 is one per core; more than the machine has are cut to that, with a notice.
fn threads(asked: usize, lang: Lang) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if asked <= cores {
        return asked;
    }
    eprintln!(
        "{}",
        tr!(
            lang,
            "kefu: --threads {} 超过了这台机器的 {} 个核，按 {} 个线程评分",
            "kefu: --threads {} is more than this machine's {} cores; scoring with {}",
            asked,
            cores,
            cores
        )
    );
    cores
}

fn read_source(path: &Path, rel: String, lang: Lang) -> Result<SourceFile, String> {
    let text = fs::read_to_string(path).map_err(|e| cannot_read(&path.display(), &e, lang))?;
    let mut file = SourceFile::new(path.display().to_string(), text);
    file.rel = rel;
    Ok(file)
}

/// The content QA scores with: `--content DIR`, or the bundled set with `--catalog` and
/// `--rubric` swapped in. A custom catalog drops the bundled scenarios, which name bundled
/// products; QA needs only the catalog and the rubric.
fn qa_content(
    content_dir: Option<&Path>,
    catalog: Option<&Path>,
    rubric: Option<&Path>,
    lang: Lang,
) -> Result<Result<Content, Vec<crate::content::Diagnostic>>, String> {
    if catalog.is_none() && rubric.is_none() {
        return Ok(Content::load(content_dir));
    }
    let mut files: Vec<SourceFile> = crate::content::bundled_files();
    if let Some(path) = catalog {
        files.retain(|f| !f.rel.starts_with("scenarios/"));
        files.push(read_source(path, "scenarios/catalog.toml".into(), lang)?);
    }
    if let Some(path) = rubric {
        files.retain(|f| !f.rel.starts_with("rubrics/"));
        if path.is_dir() {
            let mut entries: Vec<_> = fs::read_dir(path)
                .map_err(|e| cannot_read(&path.display(), &e, lang))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                .collect();
            entries.sort();
            for p in entries {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                files.push(read_source(&p, format!("rubrics/{name}"), lang)?);
            }
        } else {
            files.push(read_source(path, "rubrics/custom.toml".into(), lang)?);
        }
    }
    Ok(Content::from_files(files))
}

fn split_list(s: Option<&str>) -> Vec<String> {
    s.map(|s| {
        s.split([',', '，'])
            .map(|x| x.trim().to_string())
            .filter(|x| !x.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

fn parse_columns(s: Option<&str>, lang: Lang) -> Result<Vec<(String, String)>, String> {
    use super::input::csv::FIELDS;
    let mut out = Vec::new();
    for pair in split_list(s) {
        let Some((field, header)) = pair.split_once('=') else {
            return Err(tr!(
                lang,
                "--columns：`{}` 应写成 字段=列名，例如 text=消息内容",
                "--columns: `{}` should be field=header, e.g. text=消息内容",
                pair
            ));
        };
        let field = field.trim().to_string();
        if !FIELDS.contains(&field.as_str()) {
            return Err(tr!(
                lang,
                "--columns：没有字段 `{}`（可用的字段：{}）",
                "--columns: unknown field `{}` (fields: {})",
                field,
                FIELDS.join(", ")
            ));
        }
        out.push((field, header.trim().to_string()));
    }
    Ok(out)
}

/// `--roles customer=0,agent=1`: each value (trimmed, lowercase) and its role.
fn parse_roles(s: Option<&str>, lang: Lang) -> Result<Vec<(String, Role)>, String> {
    let mut out: Vec<(String, Role)> = Vec::new();
    for pair in split_list(s) {
        let parsed = pair.split_once('=').and_then(|(role, value)| {
            let role = match role.trim().to_ascii_lowercase().as_str() {
                "customer" => Role::Customer,
                "agent" => Role::Agent,
                "system" => Role::System,
                "robot" => Role::Robot,
                _ => return None,
            };
            let value = value.trim().to_lowercase();
            (!value.is_empty()).then_some((value, role))
        });
        match parsed {
            Some((value, role)) if !out.iter().any(|(v, _)| *v == value) => out.push((value, role)),
            Some((value, _)) => {
                return Err(tr!(
                    lang,
                    "--roles：值 `{}` 出现了两次",
                    "--roles: value `{}` is given twice",
                    value
                ));
            }
            None => {
                return Err(tr!(
                    lang,
                    "--roles：`{}` 应写成 角色=值，角色是 customer、agent、system 或 robot，例如 \
                     customer=0,agent=1",
                    "--roles: `{}` should be role=value, the role one of customer, agent, system \
                     or robot, e.g. customer=0,agent=1",
                    pair
                ));
            }
        }
    }
    Ok(out)
}

/// The KPI rules of `kefu score`: `--platform` (else the catalog's, else Taobao), `--hours`
/// (else the platform's) and `--count-robot`.
fn kpi_rules(args: &ScoreArgs, catalog: Option<Platform>, lang: Lang) -> Result<KpiRules, String> {
    let platform = match args.platform.as_deref() {
        Some(p) => p.parse::<Platform>().map_err(|_| {
            tr!(
                lang,
                "--platform：不认识的平台 `{}`（可用：taobao、jd、pdd）",
                "--platform: unknown platform `{}` (use taobao, jd or pdd)",
                p
            )
        })?,
        None => catalog.unwrap_or(Platform::Taobao),
    };
    let mut rules = KpiRules::new(platform);
    if let Some(h) = args.hours.as_deref() {
        rules.hours = h.parse::<ServiceHours>().map_err(|e| {
            tr!(
                lang,
                "--hours：`{}` 不是服务时间（应写成 08:00-23:00）：{}",
                "--hours: `{}` is not service hours (write 08:00-23:00): {}",
                h,
                e
            )
        })?;
    }
    rules.count_robot = args.count_robot;
    Ok(rules)
}

/// `kefu score`.
pub fn score(content_dir: Option<&Path>, args: &ScoreArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let content = match qa_content(
        content_dir,
        args.catalog.as_deref(),
        args.rubric.as_deref(),
        lang,
    ) {
        Ok(Ok(c)) => c,
        Ok(Err(problems)) => return broken_content(&problems, lang),
        Err(e) => return usage(e),
    };
    let mut scorer = match Scorer::for_bulk(&content, lang) {
        Ok(s) => s,
        Err(problems) => return broken_content(&problems, lang),
    };
    scorer.set_explain_passes(args.all_findings);
    scorer.set_derive_signals(false);
    let columns = match parse_columns(args.columns.as_deref(), lang) {
        Ok(c) => c,
        Err(e) => return usage(e),
    };
    let roles = match parse_roles(args.roles.as_deref(), lang) {
        Ok(r) => r,
        Err(e) => return usage(e),
    };
    let kpi = match kpi_rules(args, content.catalog.shop.platform, lang) {
        Ok(k) => k,
        Err(e) => return usage(e),
    };
    let encoding = match args.encoding.as_deref().map(str::trim) {
        None => None,
        Some(name) => match encoding_rs::Encoding::for_label(name.as_bytes()) {
            Some(e) => Some(e),
            None => {
                return usage(tr!(
                    lang,
                    "--encoding：不认识的编码 `{}`（可用：utf-8、gbk、gb18030、utf-16le、utf-16be）",
                    "--encoding: unknown encoding `{}` (use utf-8, gbk, gb18030, utf-16le or utf-16be)",
                    name
                ));
            }
        },
    };
    if let Some(report) = &args.report {
        if crate::report::ReportFormat::from_path(report).is_none() {
            return usage(run::report_name(report, lang));
        }
    }
    let opts = ScoreOptions {
        inputs: args.inputs.clone(),
        input: InputOptions {
            format: args.format,
            columns,
            agents: split_list(args.agents.as_deref()),
            agent_prefixes: args.agent_prefix.clone(),
            encoding,
            sheet: args.sheet.clone(),
            roles,
        },
        gap_s: args.gap,
        layout: if args.grouped {
            Layout::Grouped
        } else {
            Layout::Interleaved
        },
        out: args.out.clone(),
        report: args.report.clone(),
        partial: args.partial.clone(),
        strict: args.strict,
        threads: threads(args.threads, lang),
        all_findings: args.all_findings,
        kpi,
        lang,
    };
    if let Err(e) = check_outputs(&opts) {
        return usage(e);
    }
    let inputs = match run::open_inputs(&opts.inputs, lang) {
        Ok(i) => i,
        Err(e) => return usage(e),
    };
    let mut out: Box<dyn Write> = match &opts.out {
        Some(path) => match fs::File::create(path) {
            Ok(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
            Err(e) => return usage(cannot_write(&path.display(), &e, lang)),
        },
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    let (summary, mut state) = match run::run(&scorer, &opts, inputs, &mut out) {
        Ok(r) => r,
        Err(e) => {
            eprintln!(
                "kefu: {}",
                tr!(lang, "写出结果失败：{}", "cannot write the results: {}", e)
            );
            return Ok(ExitCode::from(1));
        }
    };
    drop(out);
    state.per_conversation = scorer
        .per_conversation_checks()
        .map(str::to_string)
        .collect();
    if let Err(e) = run::write_outputs(&state, &opts) {
        eprintln!("kefu: {e}");
        return Ok(ExitCode::from(2));
    }
    Ok(run::exit_code(&summary, &opts))
}

/// Refuses an output that is also an input (it would be emptied before it is read), and makes
/// sure the report and partial files can be written before hours of scoring.
fn check_outputs(opts: &ScoreOptions) -> Result<(), String> {
    let inputs: Vec<std::path::PathBuf> = opts
        .inputs
        .iter()
        .filter(|p| p.as_str() != "-")
        .filter_map(|p| fs::canonicalize(p).ok())
        .collect();
    for out in [&opts.out, &opts.report, &opts.partial]
        .into_iter()
        .flatten()
    {
        if let Ok(canon) = fs::canonicalize(out) {
            if inputs.contains(&canon) {
                return Err(tr!(
                    opts.lang,
                    "{}：这也是输入文件，写入会把它清空",
                    "{}: this is also an input; writing it would destroy it",
                    out.display()
                ));
            }
        }
    }
    for out in [&opts.report, &opts.partial].into_iter().flatten() {
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(out)
            .map_err(|e| cannot_write(&out.display(), &e, opts.lang))?;
    }
    Ok(())
}

/// `kefu report merge`.
pub fn merge(parts: &[std::path::PathBuf], report: &Path, lang: Lang) -> anyhow::Result<ExitCode> {
    let state = match run::merge_partials(parts, lang) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    if let Err(e) = run::write_report(&state, report, lang) {
        return usage(e);
    }
    Ok(ExitCode::SUCCESS)
}

/// `kefu gen transcripts`.
pub fn generate(
    content_dir: Option<&Path>,
    conversations: usize,
    seed: u64,
    format: Format,
    out: Option<&Path>,
    lang: Lang,
) -> anyhow::Result<ExitCode> {
    if format == Format::Excel {
        return usage(tr!(
            lang,
            "kefu gen 不写 Excel：请生成 csv，再用表格软件另存为 xlsx",
            "kefu gen does not write Excel: generate csv and save it as xlsx in a spreadsheet",
        ));
    }
    let content = match Content::load(content_dir) {
        Ok(c) => c,
        Err(problems) => return broken_content(&problems, lang),
    };
    let scorer = match Scorer::new(&content, lang) {
        Ok(s) => std::sync::Arc::new(s),
        Err(problems) => return broken_content(&problems, lang),
    };
    let opts = super::r#gen::GenOptions {
        conversations,
        seed,
        format,
        start_ts: super::r#gen::DEFAULT_START_TS,
    };
    let mut writer: Box<dyn Write> = match out {
        Some(path) => match fs::File::create(path) {
            Ok(f) => Box::new(BufWriter::with_capacity(1 << 16, f)),
            Err(e) => return usage(cannot_write(&path.display(), &e, lang)),
        },
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    match super::r#gen::generate(&content, &scorer, &opts, &mut writer)
        .and_then(|s| writer.flush().map(|_| s))
    {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => {
            eprintln!("kefu: {e}");
            Ok(ExitCode::from(1))
        }
    }
}
