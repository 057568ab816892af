//! How each kind of check judges a reply. Every verdict carries a score, a short explanation and
//! the span of the reply that triggered it.

use super::analysis::Analysis;
use super::kinds::{Kind, PhraseMode};
use super::lexicon::Key;
use super::{ConversationState, Scorer, Situation, Verdict};
use super::{meaning, read};
use crate::content::Product;
use crate::tr;

/// What a check judges a reply in: the reply's analysis (which knows the scorer, the situation
/// and the product it is read for), the conversation so far, and the check's pass mark.
pub(crate) struct Ctx<'a> {
    pub state: &'a ConversationState,
    pub analysis: &'a Analysis<'a>,
    pub latency: super::Latency,
    pub answering: bool,
    pub reply_number: usize,
    /// The check's pass mark: verdicts at or above it are passes.
    pub pass_mark: f64,
    /// How close the reply comes to an earlier one.
    pub repeat: meaning::Repeat,
}

impl<'a> Ctx<'a> {
    pub fn scorer(&self) -> &'a Scorer {
        self.analysis.reading.scorer
    }

    pub fn situation(&self) -> &'a Situation<'a> {
        self.analysis.reading.situation
    }

    /// The catalog product the reply is scored for.
    pub fn product(&self) -> Option<&'a Product> {
        self.analysis.reading.product
    }
}

/// A number shown to the nearest whole, exactly as `{:.0}` shows it (ties to even, `-0` for a
/// small negative) but through integer formatting: `{:.0}` takes the exact decimal path of float
/// formatting, which costs more than the rest of a failed check's message.
struct Whole(f64);

impl std::fmt::Display for Whole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let r = self.0.round_ties_even();
        // NaN, infinities and numbers past exact integers keep the float path.
        if r.is_nan() || r.abs() >= 1e15 {
            return write!(f, "{:.0}", self.0);
        }
        if r == 0.0 && self.0.is_sign_negative() {
            return f.write_str("-0");
        }
        write!(f, "{}", r as i64)
    }
}

/// An amount of money as a person writes it: 5, 25.8 (not 25.799998462200165).
struct Yuan(f64);

impl std::fmt::Display for Yuan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tenths = (self.0 * 10.0).round() / 10.0;
        if tenths.fract() == 0.0 {
            write!(f, "{}", Whole(tenths))
        } else {
            write!(f, "{tenths:.1}")
        }
    }
}

/// A verdict; its message is built only when it will be kept (failed checks, or passes when
/// they are explained).
pub(crate) fn verdict(
    ctx: &Ctx<'_>,
    score: f64,
    message: impl FnOnce() -> String,
    span: Option<std::ops::Range<usize>>,
) -> Option<Verdict> {
    let score = score.clamp(0.0, 100.0);
    let message = if ctx.scorer().explain_passes || score < ctx.pass_mark {
        message()
    } else {
        String::new()
    };
    Some(Verdict {
        score,
        message,
        span,
        review: false,
    })
}

/// A finding the reading is unsure of: listed for a person to review (待复核), counted nowhere.
pub(crate) fn verdict_for_review(
    _ctx: &Ctx<'_>,
    message: impl FnOnce() -> String,
    span: Option<std::ops::Range<usize>>,
) -> Option<Verdict> {
    Some(Verdict {
        score: 0.0,
        message: message(),
        span,
        review: true,
    })
}

/// The score of a reply sent `secs` after the customer wrote, `allowance` seconds of it allowed
/// for typing: full marks up to good_s; down to the pass mark at max_s; then on down to half of
/// it at hard_s (or at twice max_s), so a reply at 175 s still scores above one at 200 s; none
/// past hard_s.
fn latency_score(p: &super::kinds::LatencyParams, secs: f64, allowance: f64, pass: f64) -> f64 {
    if p.hard_s.is_some_and(|hard| secs > hard) {
        return 0.0;
    }
    let effective = (secs - allowance).max(0.0);
    let floor_at = p.hard_s.unwrap_or(p.max_s * 2.0).max(p.max_s + 1.0);
    if effective <= p.good_s {
        100.0
    } else if effective <= p.max_s {
        100.0 - (100.0 - pass) * (effective - p.good_s) / (p.max_s - p.good_s)
    } else if effective < floor_at {
        (pass - 1.0) - (pass / 2.0 - 1.0) * (effective - p.max_s) / (floor_at - p.max_s)
    } else {
        0.0
    }
}

/// Judges one reply; `None` when the check has nothing to judge in this reply.
pub(crate) fn evaluate(kind: &Kind, ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    match kind {
        Kind::Latency(p) => {
            if !ctx.answering {
                return None;
            }
            // An export without times, or a range (times to the minute) whose two ends would
            // not get the same verdict, is not judged.
            let (lo_ms, hi_ms) = ctx.latency.range()?;
            let allowance = if p.chars_per_s > 0.0 {
                a.chars as f64 / p.chars_per_s
            } else {
                0.0
            };
            let pass = ctx.pass_mark;
            let (lo, hi) = (lo_ms as f64 / 1000.0, hi_ms as f64 / 1000.0);
            let (score_lo, score_hi) = (
                latency_score(p, lo, allowance, pass),
                latency_score(p, hi, allowance, pass),
            );
            if (score_lo >= pass) != (score_hi >= pass) {
                return None;
            }
            let score = (score_lo + score_hi) / 2.0;
            let took = if hi > lo {
                format!("{}–{}", Whole(lo), Whole(hi))
            } else {
                Whole(lo).to_string()
            };
            if let Some(hard) = p.hard_s {
                if lo > hard {
                    return verdict(
                        ctx,
                        0.0,
                        || {
                            tr!(
                                lang,
                                "回复用了{}秒，超过{}秒（3分钟响应率按此计算），顾客可能已经走了",
                                "replied after {} s, over the {} s limit (the 3-minute response rule)",
                                took,
                                Whole(hard)
                            )
                        },
                        None,
                    );
                }
            }
            let message = || {
                if score >= 100.0 {
                    tr!(lang, "{}秒回复，及时", "replied in {} s: prompt", took)
                } else if allowance >= 1.0 {
                    tr!(
                        lang,
                        "{}秒才回复（已扣除打字时间{}秒），理想是{}秒内",
                        "replied in {} s ({} s allowed for typing); aim for {} s",
                        took,
                        Whole(allowance),
                        Whole(p.good_s)
                    )
                } else {
                    tr!(
                        lang,
                        "{}秒才回复，理想是{}秒内",
                        "replied in {} s; aim for {} s",
                        took,
                        Whole(p.good_s)
                    )
                }
            };
            verdict(ctx, score, message, None)
        }
        Kind::Length(p) => {
            // Bubbles sent one after another are short messages each: the longest counts.
            let longest = a
                .norm
                .split([' ', '\n'])
                .map(super::text::char_len)
                .max()
                .unwrap_or(0)
                .min(a.chars);
            let over_chars = longest.saturating_sub(p.max_chars) as f64 / p.max_chars.max(1) as f64;
            let over_lines = a.lines.saturating_sub(p.max_lines) as f64 / p.max_lines.max(1) as f64;
            let over = over_chars.max(over_lines);
            if over <= 0.0 {
                return verdict(
                    ctx,
                    100.0,
                    || {
                        tr!(
                            lang,
                            "长度合适（{}字）",
                            "length fine ({} characters)",
                            a.chars
                        )
                    },
                    None,
                );
            }
            verdict(
                ctx,
                59.0 - 60.0 * over,
                || {
                    tr!(
                        lang,
                        "太长：{}字/{}行，建议不超过{}字、{}行，分几条短消息发",
                        "too long: {} characters / {} lines; keep to {} characters and {} lines",
                        a.chars,
                        a.lines,
                        p.max_chars,
                        p.max_lines
                    )
                },
                None,
            )
        }
        Kind::Phrases(p) => {
            let hits = &a.hits;
            let negation = Key::Negation.set();
            let counts = |r: &std::ops::Range<usize>| {
                let excepted = p.except.is_some_and(|except| {
                    hits.all(except)
                        .any(|e| e.start <= r.start && r.end <= e.end)
                });
                // Negated, a phrase is not said: "平台不让加微信" steers nobody off the platform,
                // and "不用核对" checks nothing.
                let refused = p.negatable
                    && (read::negated(hits, negation, a.clauses(), r)
                        || (p.mode == PhraseMode::Forbid
                            && read::disclaimed_after(&a.norm, a.clauses(), r)));
                !excepted && !refused
            };
            let mut hit = if p.except.is_none() && !p.negatable {
                hits.first(p.phrases)
            } else {
                hits.all(p.phrases).find(|r| counts(r))
            };
            if p.unless_advised && a.sizing().advised.is_some() {
                hit = None;
            }
            if hit.is_none() && p.contact_numbers {
                match meaning::contact_number(&a.norm) {
                    Some((span, true)) => hit = Some(span),
                    Some((span, false)) => return meaning::unsure_number(ctx, span),
                    None => {}
                }
            }
            let message = match lang {
                crate::lang::Lang::Zh => &p.message,
                crate::lang::Lang::En => &p.message_en,
            };
            match (p.mode, hit) {
                (PhraseMode::Forbid, Some(span)) => {
                    let found = a.norm.get(span.clone()).unwrap_or("");
                    verdict(ctx, 0.0, || format!("{message}「{found}」"), Some(span))
                }
                (PhraseMode::Forbid, None) => verdict(
                    ctx,
                    100.0,
                    || tr!(lang, "无问题用语", "no problem wording"),
                    None,
                ),
                (PhraseMode::Require, Some(span)) => {
                    let found = a.norm.get(span.clone()).unwrap_or("");
                    verdict(
                        ctx,
                        100.0,
                        || tr!(lang, "说到了「{}」", "said \u{300c}{}\u{300d}", found),
                        Some(span),
                    )
                }
                (PhraseMode::Require, None) => verdict(ctx, 0.0, || message.clone(), None),
            }
        }
        Kind::Hedging if !ctx.answering => None,
        // Only a question wants a definite answer.
        Kind::Hedging if !ctx.state.pending_question => None,
        Kind::Hedging => match &a.hedge {
            Some(span) => {
                let definite = a.solution.is_some() || !a.sizing().named.is_empty();
                let found = a.norm.get(span.clone()).unwrap_or("");
                verdict(
                    ctx,
                    if definite { 40.0 } else { 0.0 },
                    || {
                        tr!(
                            lang,
                            "「{}」是含糊说法，顾客问了就给一个明确答案",
                            "\u{300c}{}\u{300d} hedges: give one definite answer",
                            found
                        )
                    },
                    Some(span.clone()),
                )
            }
            None => verdict(
                ctx,
                100.0,
                || tr!(lang, "回答明确", "definite answer"),
                None,
            ),
        },
        Kind::QuestionStyle => {
            if a.is_open_question() {
                verdict(
                    ctx,
                    100.0,
                    || {
                        tr!(
                            lang,
                            "用开放式问题了解需求",
                            "open question to find the need"
                        )
                    },
                    None,
                )
            } else if a.is_question() && a.norm.contains(['?', '？', '吗']) {
                verdict(
                    ctx,
                    65.0,
                    || {
                        tr!(
                            lang,
                            "封闭式提问只能得到是/否，换成开放式问题（如“您平时穿什么码呢？”）更能了解需求",
                            "a yes/no question; an open one (\"what size do you usually wear?\") finds the need better"
                        )
                    },
                    None,
                )
            } else {
                verdict(
                    ctx,
                    0.0,
                    || {
                        tr!(
                            lang,
                            "顾客还没说需求，回复里没有问题去了解",
                            "the customer has not said what they need and the reply asks nothing"
                        )
                    },
                    None,
                )
            }
        }
        Kind::Emoticon(p) => {
            let with = ctx.state.emoticon_replies as f64;
            let ratio = with / ctx.reply_number as f64;
            if ratio < p.min_ratio {
                verdict(
                    ctx,
                    50.0,
                    || {
                        let replies = ctx.reply_number;
                        match (with as usize, replies) {
                            (0, 1) => tr!(
                                lang,
                                "回复没有带表情，语气偏冷，可以加个～或😊",
                                "the reply has no emoticon: a little cold; add a ～ or 😊"
                            ),
                            (0, _) => tr!(
                                lang,
                                "{}条回复都没有带表情，语气偏冷，可以偶尔加个～或😊",
                                "none of the {} replies has an emoticon: a little cold; add one now and then",
                                replies
                            ),
                            (n, _) => tr!(
                                lang,
                                "{}条回复里只有{}条带表情，语气偏冷，可以偶尔加个～或😊",
                                "{} replies, only {} with an emoticon: a little cold; add one now and then",
                                replies,
                                n
                            ),
                        }
                    },
                    None,
                )
            } else if ratio > p.max_ratio {
                verdict(
                    ctx,
                    50.0,
                    || {
                        tr!(
                            lang,
                            "表情用得太多（{}条里{}条），显得不够专业",
                            "too many emoticons ({} of {} replies)",
                            ctx.reply_number,
                            with
                        )
                    },
                    a.emoticon.clone(),
                )
            } else {
                verdict(
                    ctx,
                    100.0,
                    || {
                        tr!(
                            lang,
                            "语气亲切，表情适度",
                            "warm tone, emoticons in moderation"
                        )
                    },
                    a.emoticon.clone(),
                )
            }
        }
        Kind::Sizing => sizing(ctx),
        Kind::Upsell(p) => upsell(ctx, p),
        Kind::Bargaining => bargaining(ctx),
        Kind::Recovery(p) => recovery(ctx, p.excuse_chars),
        Kind::OverPromise(phrases) => over_promise(ctx, *phrases),
        Kind::Specifics => specifics(ctx),
        Kind::Answered(p) => meaning::answered(ctx, p),
        Kind::AfterSales => meaning::after_sales(ctx),
        Kind::Truthful => meaning::truthful(ctx),
        Kind::ReviewManipulation(p) => meaning::review_manipulation(ctx, p),
        Kind::Repeated(p) => meaning::repeated(ctx, p),
        Kind::Together(p) => meaning::together(ctx, p),
        Kind::Curt => meaning::curt(ctx),
        // Judged at the conversation's end (see `meaning::conversation`).
        Kind::WarmTone(_) | Kind::Farewell => None,
    }
}

fn sizing(ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let s = a.sizing();
    let product = ctx.product()?;
    if !product.is_sized() {
        return None;
    }
    if !s.measurements_known {
        // Advice from the size the buyer usually wears ("平时穿L" → "拿L就可以") is advice.
        if let (Some(m), true) = (s.advised.as_ref(), ctx.state.customer_size) {
            return verdict(
                ctx,
                85.0,
                || {
                    tr!(
                        lang,
                        "按顾客平时的尺码推荐了{}码",
                        "advised {} from the size the buyer usually wears",
                        m.size
                    )
                },
                Some(m.range.clone()),
            );
        }
        if s.asked_measurements {
            return verdict(
                ctx,
                100.0,
                || {
                    tr!(
                        lang,
                        "先问身高体重再推荐尺码，正确",
                        "asked for height and weight first: right"
                    )
                },
                None,
            );
        }
        if let Some(m) = s.advised.as_ref() {
            return verdict(
                ctx,
                40.0,
                || {
                    tr!(
                        lang,
                        "还不知道顾客身高体重就推荐了{}码，应先问清楚",
                        "recommended {} without knowing height and weight: ask first",
                        m.size
                    )
                },
                Some(m.range.clone()),
            );
        }
        return verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "顾客问尺码，但回复既没问身高体重也没给建议",
                    "the customer asked about size; the reply neither asks for measurements nor advises"
                )
            },
            None,
        );
    }
    let right = || s.right.join("/");
    // Past every row of the chart: saying it will not fit is the advice.
    if s.right.is_empty() {
        let warned = a.norm.contains("穿不下")
            || a.norm.contains("不合适")
            || a.norm.contains("没有合适")
            || a.norm.contains("偏小")
            || a.norm.contains("不建议");
        return match (&s.advised, warned) {
            (_, true) => verdict(
                ctx,
                100.0,
                || {
                    tr!(
                        lang,
                        "顾客的身高体重超出尺码表，如实说了不合适",
                        "the buyer is past the chart, and the reply says it won't fit"
                    )
                },
                None,
            ),
            (Some(m), false) => verdict(
                ctx,
                0.0,
                || {
                    tr!(
                        lang,
                        "顾客的身高体重超出这款的尺码表，推荐{}码会穿不下",
                        "the buyer is past this item's chart: {} will not fit",
                        m.size
                    )
                },
                Some(m.range.clone()),
            ),
            (None, false) => None,
        };
    }
    let Some(primary) = s.advised.as_ref() else {
        if s.listed_only {
            return verdict(
                ctx,
                0.0,
                || {
                    tr!(
                        lang,
                        "只是把几个码列了一遍，没有替顾客选；按顾客的身高体重应推荐{}码",
                        "lists sizes without choosing one; for these measurements say {}",
                        right()
                    )
                },
                s.named.first().map(|m| m.range.clone()),
            );
        }
        if let Some(span) = &s.chart_pointer {
            return verdict(
                ctx,
                0.0,
                || {
                    tr!(
                        lang,
                        "只让顾客自己看尺码表，等于没回答；按顾客的身高体重应推荐{}码",
                        "only points to the size chart; for these measurements say {}",
                        right()
                    )
                },
                Some(span.clone()),
            );
        }
        return verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "没有给出尺码建议；按顾客的身高体重应推荐{}码",
                    "no size given; for these measurements say {}",
                    right()
                )
            },
            None,
        );
    };
    if !s.right.contains(&primary.size) {
        return verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "推荐{}码不对：按尺码表，顾客的身高体重对应{}码，错码是退货的主因",
                    "{} is the wrong size: the chart gives {} for these measurements",
                    primary.size,
                    right()
                )
            },
            Some(primary.range.clone()),
        );
    }
    let mut score: f64 = 70.0;
    if s.reason.is_some() {
        score += 15.0;
    }
    let has_alternative = s.alternative || (s.named.len() > 1 && s.fit_words.is_some());
    if has_alternative {
        score += 15.0;
    } else if s.named.len() > 1 {
        score -= 20.0;
    }
    if a.hedge.is_some() {
        score -= 30.0;
    }
    if s.chart_pointer.is_some() {
        score -= 20.0;
    }
    let message = || {
        let mut notes: Vec<String> = Vec::new();
        if s.reason.is_none() {
            notes.push(tr!(
                lang,
                "没说理由（按身高体重/版型）",
                "no reason given (height, weight, cut)"
            ));
        }
        if !has_alternative {
            notes.push(if s.named.len() > 1 {
                tr!(
                    lang,
                    "给了几个码却没说按什么选",
                    "several sizes with no word on how to choose"
                )
            } else {
                tr!(
                    lang,
                    "可以补一句按喜好的备选（喜欢宽松选大一码）",
                    "add an alternative tied to fit (one size up for a looser fit)"
                )
            });
        }
        if let Some(h) = &a.hedge {
            notes.push(tr!(
                lang,
                "「{}」显得不确定",
                "\u{300c}{}\u{300d} sounds unsure",
                a.norm.get(h.clone()).unwrap_or("")
            ));
        }
        if s.chart_pointer.is_some() {
            notes.push(tr!(
                lang,
                "又让顾客自己看尺码表",
                "still sends the buyer to the size chart"
            ));
        }
        let head = tr!(lang, "推荐{}码正确", "{} is right", primary.size);
        if notes.is_empty() {
            tr!(
                lang,
                "{}，有理由也有备选",
                "{}, with a reason and an alternative",
                head
            )
        } else {
            format!("{head}; {}", notes.join("; "))
        }
    };
    verdict(ctx, score, message, Some(primary.range.clone()))
}

fn upsell(ctx: &Ctx<'_>, params: &super::kinds::UpsellParams) -> Option<Verdict> {
    let near = params.near;
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let product = ctx.product()?;
    // A list of the whole shop ("我们家有T恤、休闲裤、针织衫…", "所有商品都可以看看") is no
    // recommendation.
    let dump = || {
        ["所有商品", "全店商品", "随便挑", "都可以看看", "随便看看"]
            .iter()
            .any(|w| a.norm.contains(w))
            || ctx.scorer().products_named(&a.hits) >= 4
    };
    if let Some((name, span)) = a.add_on().filter(|_| !dump()) {
        return verdict(
            ctx,
            100.0,
            || tr!(lang, "连带推荐了{}", "recommended {} as an add-on", name),
            Some(span.clone()),
        );
    }
    // Another colour of the same item to take as well ("燕麦色也很百搭，各拿一件换着穿").
    let colours = product
        .colors
        .iter()
        .filter(|c| a.norm.contains(c.trim_end_matches('色')))
        .count();
    if colours >= 1
        && [
            "各拿",
            "各来",
            "再拿一件",
            "再来一件",
            "换着穿",
            "也很百搭",
            "两个颜色",
            "一起备注",
        ]
        .iter()
        .any(|w| a.norm.contains(w))
    {
        return verdict(
            ctx,
            100.0,
            || tr!(lang, "推荐了再拿一个颜色", "suggested a second colour"),
            None,
        );
    }
    let moment = params.moments == 0 || ctx.state.pending_topics & params.moments != 0;
    // A threshold alone, with no item named to reach it, passes but is not the best upsell.
    if let Some(span) = a.promotion.as_ref().filter(|_| moment) {
        return verdict(
            ctx,
            70.0,
            || {
                tr!(
                    lang,
                    "只提了优惠门槛，没有点名一件搭配商品帮顾客凑单",
                    "mentions the threshold but names no matching item to reach it"
                )
            },
            Some(span.clone()),
        );
    }
    if !moment {
        return None;
    }
    let names: Vec<&str> = product
        .pairs_with
        .iter()
        .filter_map(|id| ctx.scorer().catalog.product(id.get_ref()))
        .map(|p| p.name.as_str())
        .collect();
    let shop = ctx.scorer().shop();
    let gap = f64::from(shop.free_shipping_threshold) - product.price;
    let nudge = if gap > 0.0 && gap <= near {
        tr!(
            lang,
            "；离包邮还差{}元，正好凑单",
            "; {} yuan short of free shipping, a natural add-on",
            Whole(gap)
        )
    } else {
        String::new()
    };
    if names.is_empty() && nudge.is_empty() {
        return None;
    }
    verdict(
        ctx,
        0.0,
        || {
            tr!(
                lang,
                "没有连带推荐，可以顺带推荐{}{}",
                "no add-on recommended; suggest {}{}",
                names.join("、"),
                nudge
            )
        },
        None,
    )
}

fn bargaining(ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let shop = ctx.scorer().shop();
    let first_ask = ctx.state.discount_asks <= 1;
    if let Some((yuan, span)) = &a.concession {
        if *yuan > f64::from(shop.max_discount) {
            return verdict(
                ctx,
                0.0,
                || {
                    tr!(
                        lang,
                        "让了{}元，超出权限（最多{}元）",
                        "conceded {} yuan, beyond the {} yuan you may give",
                        Yuan(*yuan),
                        shop.max_discount
                    )
                },
                Some(span.clone()),
            );
        }
    }
    // Nobody is bargaining (the deal is done, or it never began): only the authority above is
    // judged.
    let topic = &ctx.scorer().topic;
    if ctx.state.pending_topics & (topic.discount | topic.gift) == 0 {
        return None;
    }
    // The shop's rules allow a gift: the order is within `gift_reach` of a gift threshold.
    // That is an authority of its own (the gift is worth more than `max_discount`), but like
    // any concession it is not given on the first ask: the agent first offers the way to the
    // threshold (an add-on), and adds the gift when the buyer asks again.
    let gift_threshold = ctx.product().and_then(|p| {
        ctx.scorer()
            .catalog
            .promotions
            .iter()
            .filter(|promo| promo.kind == crate::content::PromotionKind::Gift)
            .map(|promo| promo.threshold)
            .find(|&threshold| {
                let short = f64::from(threshold) - p.price;
                short > 0.0 && short <= f64::from(shop.gift_reach)
            })
    });
    let gift_only_offer =
        a.concession.is_none() && a.free_shipping_offer.is_none() && a.gift_offer.is_some();
    // Refusing a gift the rules allow ("没满199是不行的") turns away a sale for nothing.
    let asked = ctx.state.pending_topics;
    let gift_only =
        asked & ctx.scorer().topic.gift != 0 && asked & ctx.scorer().topic.discount == 0;
    if let Some(threshold) = gift_threshold.filter(|_| !a.conceded() && gift_only) {
        // The threshold alone ("没满199是不行的") shows no way to it; an add-on that reaches it does.
        let way_forward = a.add_on().map(|(_, r)| r.clone());
        if first_ask && way_forward.is_some() {
            return verdict(
                ctx,
                100.0,
                || {
                    tr!(
                        lang,
                        "第一次开口先守住满赠门槛，给了凑单的办法",
                        "held the gift threshold on the first ask and showed the way to reach it"
                    )
                },
                way_forward,
            );
        }
        return verdict(
            ctx,
            40.0,
            || {
                if first_ask {
                    tr!(
                        lang,
                        "差额在可申请加赠的范围内，生硬拒绝会丢单：先推荐凑单满{}元，顾客坚持再申请加赠",
                        "within the gift reach, a flat no loses the sale: suggest an add-on to reach {} yuan, and ask for the gift if the buyer insists",
                        threshold
                    )
                } else {
                    tr!(
                        lang,
                        "差额在可申请加赠的范围内，店铺允许加赠，顾客再次开口却还是拒绝了",
                        "within the gift reach: the shop allows the gift, and the reply refuses the buyer a second time"
                    )
                }
            },
            None,
        );
    }
    if let Some(threshold) = gift_threshold.filter(|_| gift_only_offer) {
        if first_ask {
            return verdict(
                ctx,
                35.0,
                || {
                    tr!(
                        lang,
                        "顾客第一次开口就送出满赠赠品，来得太容易：先推荐凑单满{}元，顾客坚持再申请加赠",
                        "gave the gift on the first ask: suggest an add-on to reach {} yuan first, and ask for the gift if the buyer insists",
                        threshold
                    )
                },
                a.gift_offer.clone(),
            );
        }
        return verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "顾客坚持，差额在可申请加赠的范围内（{}元以内），按店铺规则加赠",
                    "the buyer insisted, and the order is within the gift reach ({} yuan): a gift the shop's rules allow",
                    shop.gift_reach
                )
            },
            a.gift_offer.clone(),
        );
    }
    if a.conceded() {
        let span = a
            .concession
            .as_ref()
            .map(|(_, s)| s.clone())
            .or_else(|| a.free_shipping_offer.clone())
            .or_else(|| a.gift_offer.clone());
        // On the first ask even a small, personal concession comes too easily.
        if first_ask {
            return verdict(
                ctx,
                35.0,
                || {
                    tr!(
                        lang,
                        "顾客第一次开口就让步，容易让人觉得价格有水分；先讲价值守住价格",
                        "conceded on the first ask: hold the price and argue value first"
                    )
                },
                span,
            );
        }
        if a.personal.is_some() {
            return verdict(
                ctx,
                100.0,
                || {
                    tr!(
                        lang,
                        "让步在权限内，并且让顾客感到是特意争取的",
                        "a small concession within authority, framed as hard-won"
                    )
                },
                span,
            );
        }
        return verdict(
            ctx,
            70.0,
            || {
                tr!(
                    lang,
                    "让步在权限内，但来得太轻松；说成“帮您申请”会更珍贵",
                    "within authority but too easy; frame it as a favour you asked for"
                )
            },
            span,
        );
    }
    // The shop's own promotion or a matching add-on is a way forward without a concession.
    let add_on = a.add_on().map(|(_, r)| r.clone());
    if let Some(span) = a
        .value
        .as_ref()
        .or(a.product_facts.as_ref())
        .or(a.promotion.as_ref())
        .or(add_on.as_ref())
    {
        return verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "守住了价格，并讲了商品价值",
                    "held the price and argued value"
                )
            },
            Some(span.clone()),
        );
    }
    if let Some(span) = &a.brush_off {
        return verdict(
            ctx,
            20.0,
            || {
                tr!(
                    lang,
                    "生硬拒绝，没有讲价值也没有给台阶",
                    "a flat no, with no value argument and no way forward"
                )
            },
            Some(span.clone()),
        );
    }
    verdict(
        ctx,
        45.0,
        || {
            tr!(
                lang,
                "顾客在议价，回复没有回应：守住价格，讲讲品质和售后",
                "the customer is bargaining and the reply ignores it: hold the price, argue value"
            )
        },
        None,
    )
}

fn recovery(ctx: &Ctx<'_>, excuse_chars: usize) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    // The handling so far counts: an apology in one reply and the time in the next is whole.
    let done = ctx.state.handling;
    let apology = a.apology.is_some() || done.apology;
    let action = a.solution.is_some() || done.action;
    // A fresh complaint message (not a closing one) wants its own "when": the time given for
    // an earlier step does not answer "照片发你了，这下清楚了吧".
    let scorer = ctx.scorer();
    let asked = ctx.state.pending_topics;
    let fresh = asked & scorer.topic.complaint != 0 && asked & scorer.topic.closing == 0;
    let time = a.time().is_some() || (done.time && !fresh);
    let mut score: f64 = 15.0;
    if apology {
        score += 25.0;
    }
    if action {
        score += 30.0;
    }
    if time {
        score += 30.0;
    }
    let mut span = a.solution.clone().or_else(|| a.apology.clone());
    if let Some(b) = &a.blame {
        score = score.min(40.0) - 20.0;
        span = Some(b.clone());
    }
    let over_explained = a.excuse.is_some() && a.chars > excuse_chars;
    if let Some(e) = a.excuse.as_ref().filter(|_| over_explained) {
        score -= 15.0;
        span = span.or(Some(e.clone()));
    }
    let pressured = a.review_pressure.is_some() && a.solution.is_none();
    if let Some(r) = a.review_pressure.as_ref().filter(|_| pressured) {
        score -= 30.0;
        span = Some(r.clone());
    }
    let message = || {
        let mut good = Vec::new();
        let mut missing = Vec::new();
        if apology {
            good.push(tr!(lang, "道歉", "apology"));
        } else {
            missing.push(tr!(lang, "真诚道歉", "a sincere apology"));
        }
        if action {
            good.push(tr!(lang, "具体方案", "a concrete action"));
        } else {
            missing.push(tr!(lang, "具体怎么处理", "what you will do"));
        }
        if time {
            good.push(tr!(lang, "时间", "a time"));
        } else {
            missing.push(tr!(lang, "什么时候办好", "by when"));
        }
        let mut problems = Vec::new();
        if let Some(b) = &a.blame {
            problems.push(tr!(
                lang,
                "「{}」在推卸责任",
                "\u{300c}{}\u{300d} shifts the blame",
                a.norm.get(b.clone()).unwrap_or("")
            ));
        }
        if over_explained {
            problems.push(tr!(lang, "解释太多", "too much explaining"));
        }
        if pressured {
            problems.push(tr!(
                lang,
                "问题还没解决就提评价",
                "brings up the review before fixing anything"
            ));
        }
        let sep = tr!(lang, "、", ", ");
        let mut message = String::new();
        if !good.is_empty() {
            message.push_str(&tr!(lang, "有{}", "has {}", good.join(&sep)));
        }
        if !missing.is_empty() {
            if !message.is_empty() {
                message.push_str("; ");
            }
            message.push_str(&tr!(lang, "缺{}", "lacks {}", missing.join(&sep)));
        }
        if !problems.is_empty() {
            message.push_str("; ");
            message.push_str(&problems.join("; "));
        }
        message
    };
    verdict(ctx, score, message, span)
}

fn over_promise(ctx: &Ctx<'_>, phrases: super::lexicon::SetId) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let shop = ctx.scorer().shop();
    if let Some((yuan, span)) = &a.compensation {
        if *yuan > f64::from(shop.max_compensation) {
            return verdict(
                ctx,
                0.0,
                || {
                    tr!(
                        lang,
                        "承诺补偿{}元，超出店铺权限（最多{}元）",
                        "promised {} yuan of compensation, beyond the shop's {} yuan",
                        yuan,
                        shop.max_compensation
                    )
                },
                Some(span.clone()),
            );
        }
    }
    let negation = Key::Negation.set();
    let promised = a.hits.all(phrases).find(|r| {
        !read::negated(&a.hits, negation, a.clauses(), r)
            && !read::disclaimed_after(&a.norm, a.clauses(), r)
    });
    if let Some(span) = promised {
        return verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "「{}」超出店铺政策的承诺",
                    "\u{300c}{}\u{300d} promises more than the shop's policy",
                    a.norm.get(span.clone()).unwrap_or("")
                )
            },
            Some(span.clone()),
        );
    }
    if let Some(order) = ctx.situation().order {
        let refund = a.norm.find("退差价").filter(|&at| {
            !read::negated(&a.hits, negation, a.clauses(), &(at..at + "退差价".len()))
        });
        if let (Some(days), Some(span)) = (order.days_since_delivery, refund) {
            if days > shop.price_protection_days {
                return verdict(
                    ctx,
                    0.0,
                    || {
                        tr!(
                            lang,
                            "签收已{}天，超过{}天价保期，不能承诺退差价",
                            "delivered {} days ago, past the {}-day price protection: no refund of the difference",
                            days,
                            shop.price_protection_days
                        )
                    },
                    Some(span..span + "退差价".len()),
                );
            }
        }
    }
    verdict(
        ctx,
        100.0,
        || tr!(lang, "承诺在权限内", "promises within policy"),
        None,
    )
}

/// A detailed question (material, quality, authenticity, colour) wants specific facts: figures,
/// materials, tests, guarantees, not "放心，质量很好".
fn specifics(ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let facts = a.product_facts.clone().or_else(|| a.figure.clone());
    match (facts, &a.vague) {
        (Some(span), None) => verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "用具体信息回答了顾客的疑问",
                    "answered with specific facts"
                )
            },
            Some(span),
        ),
        (Some(_), Some(v)) => verdict(
            ctx,
            75.0,
            || {
                tr!(
                    lang,
                    "有具体信息，但「{}」这类空话可以省掉",
                    "specific, but \u{300c}{}\u{300d} adds nothing",
                    a.norm.get(v.clone()).unwrap_or("")
                )
            },
            Some(v.clone()),
        ),
        (None, Some(v)) => verdict(
            ctx,
            10.0,
            || {
                tr!(
                    lang,
                    "「{}」只是空口保证；挑剔的顾客要的是具体数据：成分、克重、检测、退换保障",
                    "\u{300c}{}\u{300d} is an empty assurance; give figures, materials, tests, guarantees",
                    a.norm.get(v.clone()).unwrap_or("")
                )
            },
            Some(v.clone()),
        ),
        (None, None) => verdict(
            ctx,
            30.0,
            || {
                tr!(
                    lang,
                    "顾客问的是细节，回复没有给出具体信息",
                    "a detailed question, and the reply gives no specifics"
                )
            },
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::Whole;

    #[test]
    fn whole_numbers_show_as_float_formatting_shows_them() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -0.3,
            -2.5,
            0.49999999999999994,
            179.5,
            180.5,
            1e15,
            1e300,
            -1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MAX,
        ];
        // Tenths, thousandths and odd fractions over the range that latencies and prices take.
        xs.extend((0..200_000).map(|i| f64::from(i) / 1000.0));
        xs.extend((0..20_000).map(|i| f64::from(i) * 0.1 - 1000.0));
        xs.extend((0..2_000).map(|i| f64::from(i) / 7.0));
        for x in xs {
            assert_eq!(Whole(x).to_string(), format!("{x:.0}"), "{x:?}");
        }
    }
}
