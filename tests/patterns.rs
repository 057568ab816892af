//! The eleven patterns of wrong verdicts listed in issue 15, one test each. Every test is a
//! table of short exchanges written for this file in the register of real shop chats, and every
//! case stands beside a look-alike that must go the other way: a size question without 码 beside
//! "起码", a refusal beside the concession it refuses, a true claim beside a false one.
//!
//! Facts about the shop (prices, size charts, materials, policy) are those of the bundled
//! catalog, scenarios/catalog.toml.
//!
//! Cases kefu still gets wrong are kept, with the verdict a QA lead would give, in the
//! `*_engine_gaps` tests beside each pattern; they are ignored with the reason, and
//! `cargo test --test patterns -- --ignored` lists what each one says instead.

use std::path::Path;

use kefu::content::Content;
use kefu::engine::Turn::{Agent, Customer};
use kefu::engine::{CheckResult, ReplyScore, Scorer, SessionScore, Situation, Turn};
use kefu::lang::Lang;

// ---------------------------------------------------------------------------------------------
// The table machinery
// ---------------------------------------------------------------------------------------------

/// What a check must say about a reply.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    /// The check does not apply: it is absent from the results.
    Absent,
    /// It applies and passes.
    Pass,
    /// It applies and fails: a finding that counts, not one left for review.
    Fail,
    /// It does not fail: it passes, or does not apply (a true claim kefu may leave unjudged).
    NoFinding,
    /// A red line is crossed: a failed red-line check, not left for review.
    RedLine,
    /// A finding listed for review (待复核): not passed, not zeroing anything.
    Review,
}

/// One exchange: the product, the conversation so far, the reply judged, and what the checks
/// named must say about it.
struct Case {
    product: Option<&'static str>,
    context: Vec<Turn<'static>>,
    reply: &'static str,
    latency_ms: u64,
    wants: Vec<(&'static str, Want, Option<&'static str>)>,
}

/// A reply about `product` ("" for none), after `context` (oldest first).
fn chat(product: &'static str, context: &[Turn<'static>], reply: &'static str) -> Case {
    Case {
        product: (!product.is_empty()).then_some(product),
        context: context.to_vec(),
        reply,
        latency_ms: 5_000,
        wants: Vec::new(),
    }
}

impl Case {
    /// `check` must give `want`.
    fn want(mut self, check: &'static str, want: Want) -> Case {
        self.wants.push((check, want, None));
        self
    }

    /// `check` must give `want`, and its message must contain `words`.
    fn saying(mut self, check: &'static str, want: Want, words: &'static str) -> Case {
        self.wants.push((check, want, Some(words)));
        self
    }

    /// What is wrong with kefu's verdicts on this case, one line each.
    fn problems(&self, scorer: &Scorer) -> Vec<String> {
        assert!(!self.wants.is_empty(), "a case without expectations");
        let results = scorer.judge(self.product, &self.context, self.reply, self.latency_ms);
        let mut problems = Vec::new();
        for &(check, want, words) in &self.wants {
            let found: Option<&CheckResult> = results.iter().find(|r| &*r.check == check);
            let ok = match (want, found) {
                (Want::Absent, None) | (Want::NoFinding, None) => true,
                (Want::Absent, Some(_)) => false,
                (_, None) => false,
                (Want::Pass | Want::NoFinding, Some(r)) => r.passed && !r.review,
                (Want::Fail, Some(r)) => !r.passed && !r.review,
                (Want::RedLine, Some(r)) => !r.passed && !r.review && r.red_line,
                (Want::Review, Some(r)) => r.review,
            };
            let said = found.is_none_or(|r| words.is_none_or(|w| r.message.contains(w)));
            if !ok || !said {
                let got = match found {
                    None => "did not apply".to_string(),
                    Some(r) => format!(
                        "{} (score {}, red_line {}, review {}): {}",
                        if r.passed { "passed" } else { "failed" },
                        r.score,
                        r.red_line,
                        r.review,
                        r.message
                    ),
                };
                let words = words.map_or(String::new(), |w| format!(" saying 「{w}」"));
                problems.push(format!(
                    "{}: `{check}` should be {want:?}{words}, kefu {got}",
                    self.describe()
                ));
            }
        }
        problems
    }

    fn describe(&self) -> String {
        let mut lines: Vec<String> = self
            .context
            .iter()
            .map(|t| match t {
                Customer(text) => format!("顾客：{text}"),
                Agent(text) => format!("客服：{text}"),
            })
            .collect();
        lines.push(format!("回复：{}", self.reply));
        format!("[{}] {}", self.product.unwrap_or("-"), lines.join(" / "))
    }
}

fn bundled_scorer() -> Scorer {
    let content = Content::bundled().expect("bundled content is valid");
    Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles")
}

/// Judges every case and its look-alike, and fails listing every wrong verdict at once.
fn assert_pairs(pattern: &str, pairs: Vec<(Case, Case)>) {
    let scorer = bundled_scorer();
    let problems: Vec<String> = pairs
        .iter()
        .flat_map(|(case, look_alike)| [case, look_alike])
        .flat_map(|case| case.problems(&scorer))
        .collect();
    assert!(
        problems.is_empty(),
        "{pattern}: {} wrong verdicts of {} cases:\n{}",
        problems.len(),
        pairs.len() * 2,
        problems.join("\n")
    );
}

/// Judges cases kefu is known to get wrong, and fails listing each wrong verdict.
fn assert_cases(pattern: &str, cases: Vec<Case>) {
    let scorer = bundled_scorer();
    let problems: Vec<String> = cases.iter().flat_map(|c| c.problems(&scorer)).collect();
    assert!(
        problems.is_empty(),
        "{pattern}: {} wrong verdicts of {} cases:\n{}",
        problems.len(),
        cases.len(),
        problems.join("\n")
    );
}

use Want::{Absent, Fail, NoFinding, Pass, RedLine, Review};

// ---------------------------------------------------------------------------------------------
// 1. Which checks apply is read from the whole message, on words, not substrings
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_01_which_checks_apply_is_read_from_the_whole_message() {
    assert_pairs(
        "pattern 1",
        vec![
            // A size question with no 码 in it: measurements and a choice of two sizes.
            (
                chat(
                    "women-knit-top",
                    &[Customer("我163 49kg S还是M")],
                    "亲，按您163、49公斤拿M码刚好，肩宽衣长都合适哦～",
                )
                .saying("size-advice", Pass, "M码"),
                // 起码 is "at least", not a size.
                chat(
                    "women-knit-top",
                    &[Customer("起码给我发个顺丰吧")],
                    "亲，默认发中通哦，要发顺丰得补运费差价～",
                )
                .want("size-advice", Absent),
            ),
            (
                chat(
                    "men-tee",
                    &[Customer("我身高176 体重68公斤 穿L行不行")],
                    "亲，按您176、68公斤拿XL码更合适，L码会偏紧哦～",
                )
                .saying("size-advice", Pass, "XL码"),
                // 号码 in an order number.
                chat(
                    "men-tee",
                    &[Customer("订单号码发你了 帮我看看发了没")],
                    "亲，查到了，今天上午已经发出，中通在路上哦～",
                )
                .want("size-advice", Absent),
            ),
            // A child's height is a size question, and a wrong size for it is caught.
            (
                chat(
                    "kids-hoodie",
                    &[Customer("给儿子买的 他一米一五")],
                    "亲，一米一五选120码刚好，袖长衣长都合适～",
                )
                .saying("size-advice", Pass, "120码"),
                chat(
                    "kids-hoodie",
                    &[Customer("给儿子买的 他一米一五")],
                    "亲，选100码就好～",
                )
                .want("size-advice", Fail),
            ),
            (
                // 号码 again, in a phone number.
                chat(
                    "kids-hoodie",
                    &[Customer("手机号码填错了 能帮我改下吗")],
                    "亲，可以的，麻烦把新号码发我，给您改好～",
                )
                .want("size-advice", Absent),
                chat(
                    "kids-hoodie",
                    &[Customer("闺女一米二八 穿多大")],
                    "亲，一米二八选130码刚好哦～",
                )
                .saying("size-advice", Pass, "130码"),
            ),
            // 滚 inside 滚筒 and 财源滚滚 is no insult; on its own it is.
            (
                chat(
                    "women-knit-top",
                    &[Customer("能用洗衣机洗吗")],
                    "亲，可以用滚筒洗衣机的羊毛档冷水洗哦，别烘干～",
                )
                .want("no-insults", Pass),
                chat("women-knit-top", &[Customer("还能再便宜吗")], "嫌贵就滚")
                    .want("no-insults", RedLine),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("好的谢谢")],
                    "不客气呢～祝您生意兴隆，财源滚滚",
                )
                .want("no-insults", Pass)
                .want("farewell", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("你们这也太贵了吧")],
                    "不买就滚蛋",
                )
                .want("no-insults", RedLine),
            ),
            // 不要了 and 不买了 are no purchase and no goodbye to judge a farewell on.
            (
                chat(
                    "women-knit-top",
                    &[Customer("不要了 家里还有件差不多的")],
                    "好的亲，有需要随时找小妹哦～",
                )
                .want("farewell", Absent),
                chat("women-knit-top", &[Customer("那我拍了")], "好的亲").want("farewell", Fail),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("不买了 等双十一再说吧")],
                    "好的",
                )
                .want("farewell", Absent),
                chat("women-knit-top", &[Customer("好的 已经下单了")], "好的")
                    .want("farewell", Fail),
            ),
            // 送到 and 派送 are delivery, not a gift asked for or given.
            (
                chat(
                    "women-knit-top",
                    &[Customer("能送到我们村里吗")],
                    "亲，可以送到的，快递派送到村里一般多一天哦～",
                )
                .want("bargain-handling", Absent),
                chat(
                    "women-knit-top",
                    &[Customer("能送个小袜子吗")],
                    "亲，袜子是单独卖的哦，这款羊毛混纺做了抗起球，品质有保障～",
                )
                .want("bargain-handling", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("能便宜点吗")],
                    "亲，这已经是活动价了，羊毛混纺做了抗起球，付款后48小时内发货，一般2到5天就能送到哦～",
                )
                .want("bargain-handling", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("能便宜点吗")],
                    "好的亲，给您送一双袜子吧～",
                )
                .saying("bargain-handling", Fail, "第一次"),
            ),
            // Ordinals and advice are no absolute claims.
            (
                chat(
                    "kids-hoodie",
                    &[Customer("这款卫衣怎么样")],
                    "亲，这是我们店第一款加绒卫衣，拍下第一时间给您发货哦～",
                )
                .want("absolute-claims", Pass),
                chat(
                    "kids-hoodie",
                    &[Customer("这款卫衣怎么样")],
                    "亲，这是全网第一的加绒卫衣哦～",
                )
                .want("absolute-claims", RedLine),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("穿哪个码好")],
                    "亲，建议您最好先量一下胸围，发给小妹帮您选～",
                )
                .want("absolute-claims", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("质量怎么样")],
                    "亲，这是最好的羊毛面料哦～",
                )
                .want("absolute-claims", RedLine),
            ),
            // A refund back to the buyer's card is the platform's route.
            (
                chat(
                    "women-knit-top",
                    &[Customer("退款退到哪里")],
                    "亲，退款会原路退回到您付款的银行卡，1-3个工作日到账～",
                )
                .want("off-platform", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("退款退到哪里")],
                    "亲，平台退款慢，我私下转给您吧",
                )
                .want("off-platform", RedLine),
            ),
        ],
    );
}

#[test]
fn pattern_01_which_checks_apply_engine_gaps() {
    assert_cases(
        "pattern 1 gaps",
        vec![
            // A returns question: 不合身 holds 合身, and the size check judges it.
            chat(
                "women-knit-top",
                &[Customer("买回来不合身能退吗")],
                "看情况吧",
            )
            .want("size-advice", Absent)
            .want("answered", Fail),
            // A stock question about one size asks for no size advice.
            chat(
                "women-knit-top",
                &[Customer("酒红S还有吗")],
                "亲，酒红S码暂时断货了，燕麦色和黑色S码都有现货哦～",
            )
            .want("size-advice", Absent),
            // An ordinal: the first wash.
            chat(
                "women-knit-top",
                &[Customer("第一次洗要注意什么")],
                "亲，第一遍单独冷水洗哦～",
            )
            .want("absolute-claims", Pass),
            // The agent offers to explain the page: no work pushed onto the buyer.
            chat(
                "dress-floral",
                &[Customer("详情页看不太懂")],
                "亲，详情页写得比较细，小妹给您挑重点说哦～",
            )
            .want("no-pushing-work", Pass),
            // The buyer said what they want (delivery to a village): no open question needed.
            chat(
                "women-knit-top",
                &[Customer("能送到我们村里吗")],
                "亲，可以送到的，快递派送到村里一般多一天哦～",
            )
            .want("open-question", Absent),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 2. A negation or a refusal is not the act it negates
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_02_negation_and_refusal_are_not_the_act() {
    assert_pairs(
        "pattern 2",
        vec![
            (
                chat(
                    "women-knit-top",
                    &[Customer("能便宜5块吗")],
                    "亲，不能给您少5块哦，129已经是到手价了，羊毛混纺做了抗起球～",
                )
                .want("bargain-handling", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("能便宜5块吗")],
                    "好的亲，给您少5块～",
                )
                .saying("bargain-handling", Fail, "第一次"),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("有微信吗 加一下")],
                    "亲，平台规定不能加微信哦，有问题在这里找小妹就好～",
                )
                .want("off-platform", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("有微信吗 加一下")],
                    "亲，加我微信吧，那边回得快",
                )
                .want("off-platform", RedLine),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("能不能私下转账 便宜点")],
                    "亲，不能私下转账的哦，平台付款才有保障～",
                )
                .want("off-platform", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("能不能私下转账 便宜点")],
                    "可以的，私下转账给您便宜10块",
                )
                .want("off-platform", RedLine),
            ),
            // 162 cm, 48 kg is M on the knit top's chart: the size warned against is not the
            // recommendation.
            (
                chat(
                    "women-knit-top",
                    &[Customer("162 48公斤 穿M还是L")],
                    "亲，不建议拿L码哦，您这个身材M码更合身～",
                )
                .saying("size-advice", Pass, "推荐M码"),
                chat(
                    "women-knit-top",
                    &[Customer("162 48公斤 穿M还是L")],
                    "亲，不建议拿M码哦，L码更合身～",
                )
                .saying("size-advice", Fail, "推荐L码"),
            ),
            // 185 cm, 95 kg is 3XL on the men's tee chart.
            (
                chat(
                    "men-tee",
                    &[Customer("我185 95kg 穿什么码")],
                    "亲，按您185、95公斤，XL也穿不下了，拿3XL刚好～",
                )
                .saying("size-advice", Pass, "推荐3XL码"),
                chat(
                    "men-tee",
                    &[Customer("我185 95kg 穿什么码")],
                    "亲，按您185、95公斤，拿XL就穿得下～",
                )
                .saying("size-advice", Fail, "推荐XL码"),
            ),
            // Past the 15 days of price protection: a refusal promises nothing.
            (
                chat(
                    "women-knit-top",
                    &[Customer("签收20天了 降价了能退差价吗")],
                    "亲，已经过了15天价保期，这边没法退差价了，实在抱歉～",
                )
                .want("over-promise", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("签收20天了 降价了能退差价吗")],
                    "亲，过了价保期没法退差价，给您补偿20元红包吧～",
                )
                .saying("over-promise", RedLine, "20元"),
            ),
        ],
    );
}

#[test]
fn pattern_02_negation_and_refusal_engine_gaps() {
    assert_cases(
        "pattern 2 gaps",
        vec![
            chat(
                "women-knit-top",
                &[Customer("签收20天了 降价了能退差价吗")],
                "亲，过了价保期也没关系，给您退差价～",
            )
            .want("over-promise", RedLine),
            chat(
                "women-knit-top",
                &[Customer("签收20天了 降价了能退差价吗")],
                "亲，虽然超过15天了，也给您把差价退了～",
            )
            .want("over-promise", RedLine),
            chat(
                "women-knit-top",
                &[
                    Customer("能便宜点吗"),
                    Agent("亲，这已经是活动价了，羊毛混纺做了抗起球哦～"),
                    Customer("打个八折呗"),
                ],
                "亲，八折真打不了，小妹帮您申请少5元，124元拍～",
            )
            .want("bargain-handling", Pass),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Amounts have roles: a final price, the shop's promotion and a unit price are no concession
// ---------------------------------------------------------------------------------------------

/// The knit top (¥129) asked about twice: the first ask was held.
fn second_ask(ask: &'static str, reply: &'static str) -> Case {
    chat(
        "women-knit-top",
        &[
            Customer("能便宜点吗"),
            Agent("亲，这已经是活动价了，羊毛混纺做了抗起球哦～"),
            Customer(ask),
        ],
        reply,
    )
}

#[test]
fn pattern_03_amounts_are_read_with_their_roles() {
    assert_pairs(
        "pattern 3",
        vec![
            // 少5元 is the concession, 124元 the price it comes to: within max_discount 5.
            (
                second_ask(
                    "再少点吧 少点我就拍",
                    "亲，那小妹给您申请少5元，124元拍下就行～",
                )
                .saying("bargain-handling", Pass, "权限内"),
                second_ask("再少点吧 少点我就拍", "亲，那给您少10元，119元拍下就行～").saying(
                    "bargain-handling",
                    Fail,
                    "10元",
                ),
            ),
            // The shop's own price and promotions are not the agent's concession.
            (
                chat(
                    "women-knit-top",
                    &[Customer("能便宜点吗")],
                    "亲，现在是活动价129元，店里满299还减30哦～",
                )
                .want("bargain-handling", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("能便宜点吗")],
                    "亲，给您便宜9块，120拿走",
                )
                .want("bargain-handling", Fail),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("能便宜点吗")],
                    "亲，单价改不了哦，店里满299减30，凑一条牛仔裤就能用～",
                )
                .want("bargain-handling", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("能便宜点吗")],
                    "行，给您减30，99拿走",
                )
                .saying("bargain-handling", Fail, "30元"),
            ),
            // 八折 of ¥129 is some ¥26 off, over the agent's ¥5.
            (
                second_ask("打个八折呗", "亲，看您诚心要，给您打八折吧～").saying(
                    "bargain-handling",
                    Fail,
                    "超出权限",
                ),
                second_ask(
                    "打个八折呗",
                    "亲，打不了八折哦，小妹帮您申请少5元，124元拍～",
                )
                .want("bargain-handling", Pass),
            ),
            // 少五十 is a discount ask, and granting it is ¥50 off.
            (
                chat(
                    "women-knit-top",
                    &[Customer("少五十我就买")],
                    "亲，少五十真的做不到哦，羊毛混纺做了抗起球，还送运费险～",
                )
                .want("bargain-handling", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("少五十我就买")],
                    "行吧，那就少五十",
                )
                .saying("bargain-handling", Fail, "50元"),
            ),
            // A unit price (¥19 for three pairs) is not money off.
            (
                chat(
                    "socks-3",
                    &[Customer("袜子能便宜点吗")],
                    "亲，19元三双，一双才6块多，已经很实惠啦～",
                )
                .want("bargain-handling", Pass),
                chat(
                    "socks-3",
                    &[Customer("袜子能便宜点吗")],
                    "亲，给您便宜6块～",
                )
                .saying("bargain-handling", Fail, "6元"),
            ),
            // A price-protection refund is the shop's policy, not a bargain.
            (
                chat(
                    "women-knit-top",
                    &[Customer("昨天买的今天降了10块 能退差价吗")],
                    "亲，可以的，小妹这边给您申请价保退差价10元，今天之内到账～",
                )
                .want("bargain-handling", Absent)
                .want("over-promise", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("能再便宜10块吗")],
                    "好的，给您便宜10块",
                )
                .saying("bargain-handling", Fail, "10元"),
            ),
        ],
    );
}

#[test]
fn pattern_03_amounts_engine_gaps() {
    assert_cases(
        "pattern 3 gaps",
        vec![
            chat(
                "women-knit-top",
                &[Customer("能便宜点吗")],
                "亲，给您便宜点，算您120吧",
            )
            .saying("bargain-handling", Fail, "9元"),
            // The amount over authority is shown as a person would write it (25.8元).
            second_ask("打个八折呗", "亲，看您诚心要，给您打八折吧～").saying(
                "bargain-handling",
                Fail,
                "25.8元",
            ),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 4. Stance and order: the size recommended, not the first named; a list is no recommendation
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_04_stance_not_order_decides_the_recommendation() {
    // 174 cm, 64 kg is L on the men's tee chart.
    let ask = || [Customer("174 64kg 穿M还是L")];
    let which = || [Customer("174 64kg 穿什么码")];
    let every_product = "亲，店里还有针织衫、衬衫、牛仔裤、连衣裙、羽绒服、休闲裤、卫衣、袜子、围巾、皮带、保温杯、帆布包哦～";
    assert_pairs(
        "pattern 4",
        vec![
            (
                chat("men-tee", &ask(), "亲，M码您穿会偏紧，建议拿L码哦～").saying(
                    "size-advice",
                    Pass,
                    "推荐L码",
                ),
                chat("men-tee", &ask(), "亲，L码您穿会偏大，建议拿M码哦～").saying(
                    "size-advice",
                    Fail,
                    "推荐M码",
                ),
            ),
            (
                chat("men-tee", &which(), "亲，S码M码L码XL码都有的哦～").want("size-advice", Fail),
                chat(
                    "men-tee",
                    &which(),
                    "亲，L码有货的，按您174、64公斤穿L码正合适～",
                )
                .saying("size-advice", Pass, "推荐L码"),
            ),
            (
                chat("men-tee", &which(), "亲，M码L码XL码都能穿哦～").want("size-advice", Fail),
                chat(
                    "men-tee",
                    &which(),
                    "亲，M码L码都有，按您174、64公斤建议L码～",
                )
                .saying("size-advice", Pass, "推荐L码"),
            ),
            // At a buying moment, every product in the shop is no recommendation; one that
            // fits the order is.
            (
                chat("men-tee", &[Customer("包邮吗")], every_product).want("add-on", Fail),
                chat(
                    "men-tee",
                    &[Customer("包邮吗")],
                    "亲，满99包邮哦，T恤89元，再加一双19元的棉袜就包邮啦～",
                )
                .want("add-on", Pass),
            ),
            (
                chat(
                    "men-tee",
                    &[Customer("这件T恤配什么裤子好看")],
                    every_product,
                )
                .want("answer-add-on-request", Fail),
                chat(
                    "men-tee",
                    &[Customer("这件T恤配什么裤子好看")],
                    "亲，白T配我们家卡其色弹力休闲长裤很清爽，一起满199还送收纳袋哦～",
                )
                .want("answer-add-on-request", Pass),
            ),
        ],
    );
}

#[test]
fn pattern_04_stance_engine_gaps() {
    assert_cases(
        "pattern 4 gaps",
        vec![
            chat(
                "men-tee",
                &[Customer("还有别的推荐吗")],
                "亲，店里还有针织衫、衬衫、牛仔裤、连衣裙、羽绒服、休闲裤、卫衣、袜子、围巾、皮带、保温杯、帆布包哦～",
            )
            .want("answer-add-on-request", Fail),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 5. A question wants its answer: a yes with its reason, a fact, or a fair question back
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_05_unanswered_questions_are_seen() {
    assert_pairs(
        "pattern 5",
        vec![
            (
                chat(
                    "women-knit-top",
                    &[Customer("这个能丢洗衣机吗")],
                    "可以的亲",
                )
                .want("answered", Fail),
                chat(
                    "women-knit-top",
                    &[Customer("这个能丢洗衣机吗")],
                    "亲，可以的，装洗衣袋选羊毛档冷水洗，别烘干哦～",
                )
                .want("answered", Pass),
            ),
            (
                chat("dress-floral", &[Customer("白天穿会不会透啊")], "放心吧亲")
                    .want("answered", Fail),
                chat(
                    "dress-floral",
                    &[Customer("白天穿会不会透啊")],
                    "亲，不会透的，外面雪纺里面还有一层内衬～",
                )
                .want("answered", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("穿着不喜欢的话能退吗")],
                    "看情况吧",
                )
                .want("answered", Fail),
                chat(
                    "women-knit-top",
                    &[Customer("穿着不喜欢的话能退吗")],
                    "亲，支持7天无理由退换，吊牌别剪就行，还送运费险哦～",
                )
                .want("answered", Pass),
            ),
            // A fair question back (which size?) is an answer in the making; filler is not.
            (
                chat(
                    "men-tee",
                    &[Customer("灰绿还有货吗")],
                    "亲，您要哪个码呢？小妹帮您查下库存～",
                )
                .want("answered", Pass),
                chat(
                    "men-tee",
                    &[Customer("灰绿还有货吗")],
                    "亲，我们家衣服都很好看的～",
                )
                .want("answered", Fail),
            ),
            (
                chat(
                    "women-blouse",
                    &[Customer("领子是硬的还是软的")],
                    "亲，感谢您的关注，有什么问题随时问小妹哦～",
                )
                .want("answered", Fail),
                chat(
                    "women-blouse",
                    &[Customer("领子是硬的还是软的")],
                    "亲，领口有内衬，挺括不塌，偏硬一点哦～",
                )
                .want("answered", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("寄武汉几天能到")],
                    "这个说不准哦",
                )
                .want("answered", Fail),
                chat(
                    "women-knit-top",
                    &[Customer("寄武汉几天能到")],
                    "亲，48小时内发货，武汉一般2到5天到～",
                )
                .want("answered", Pass),
            ),
        ],
    );
}

#[test]
fn pattern_05_unanswered_questions_engine_gaps() {
    assert_cases(
        "pattern 5 gaps",
        vec![
            chat(
                "women-knit-top",
                &[Customer("买回去不喜欢可以退不")],
                "到时候再说吧",
            )
            .want("answered", Fail),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 6. Claims are checked against the shop's catalog and policy
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_06_claims_are_checked_against_the_shop() {
    assert_pairs(
        "pattern 6",
        vec![
            // The knit top is 30% wool.
            (
                chat(
                    "women-knit-top",
                    &[Customer("是纯羊毛的吗")],
                    "是的亲，100%纯羊毛",
                )
                .want("truthful", Fail),
                chat(
                    "women-knit-top",
                    &[Customer("是纯羊毛的吗")],
                    "不是纯羊毛哦亲，羊毛30%、粘纤40%、锦纶30%，中等厚度～",
                )
                .want("truthful", NoFinding),
            ),
            // The floral dress is polyester chiffon.
            (
                chat(
                    "dress-floral",
                    &[Customer("裙子是棉的吗")],
                    "是的亲，纯棉面料，很透气～",
                )
                .want("truthful", Fail),
                chat(
                    "dress-floral",
                    &[Customer("裙子是棉的吗")],
                    "亲，不是棉的哦，外层是雪纺，聚酯纤维的，里面有一层内衬～",
                )
                .want("truthful", Pass),
            ),
            // The jeans are ¥159.
            (
                chat(
                    "jeans-women",
                    &[Customer("现在什么价")],
                    "亲，现在活动价139元哦",
                )
                .saying("truthful", Fail, "159"),
                chat(
                    "jeans-women",
                    &[Customer("现在什么价")],
                    "亲，现在是159元，满299还能减30哦～",
                )
                .want("truthful", NoFinding),
            ),
            // Free shipping from ¥99: the same words are true of the ¥199 dress and false of
            // the ¥69 kids' trousers.
            (
                chat("dress-floral", &[Customer("包邮吗")], "亲，包邮的哦～")
                    .want("truthful", Pass),
                chat("kids-pants", &[Customer("包邮吗")], "亲，包邮的哦～")
                    .saying("truthful", Fail, "99"),
            ),
            (
                chat("kids-socks", &[Customer("袜子包邮吗")], "包邮的亲～").want("truthful", Fail),
                chat(
                    "kids-socks",
                    &[Customer("袜子包邮吗")],
                    "亲，这款袜子不包邮哦，满99才包邮～",
                )
                .want("truthful", NoFinding),
            ),
            // Price protection is 15 days from signing.
            (
                chat(
                    "women-knit-top",
                    &[Customer("买了以后降价能退差价吗 多少天内")],
                    "亲，签收7天内降价都能退差价哦～",
                )
                .saying("truthful", Fail, "15天"),
                chat(
                    "women-knit-top",
                    &[Customer("买了以后降价能退差价吗 多少天内")],
                    "亲，签收15天内降价都能退差价哦～",
                )
                .want("truthful", Pass),
            ),
            // Returns: 7 days, no reason needed.
            (
                chat(
                    "women-knit-top",
                    &[Customer("收到不喜欢能退吗")],
                    "亲，支持30天无理由退换哦～",
                )
                .want("truthful", Fail),
                chat(
                    "women-knit-top",
                    &[Customer("收到不喜欢能退吗")],
                    "亲，支持7天无理由退换，吊牌别剪就行，还送运费险哦～",
                )
                .want("truthful", Pass),
            ),
            // Cash on delivery costs ¥6 more.
            (
                chat(
                    "women-knit-top",
                    &[Customer("可以货到付款吗")],
                    "亲，可以的，货到付款不收额外费用哦～",
                )
                .want("truthful", Fail),
                chat(
                    "women-knit-top",
                    &[Customer("可以货到付款吗")],
                    "亲，可以的，货到付款要多收6元服务费哦～",
                )
                .want("truthful", NoFinding),
            ),
        ],
    );
}

#[test]
#[ignore = "engine: care, stock and a bare price are not checked; the dress's cotton-blend lining is read as a claim that the dress is cotton"]
fn pattern_06_claims_engine_gaps() {
    assert_cases(
        "pattern 6 gaps",
        vec![
            // The knit top must not be tumble-dried.
            chat(
                "women-knit-top",
                &[Customer("能机洗吗")],
                "亲，可以烘干的哦～",
            )
            .want("truthful", Fail),
            // The dress is hand wash only.
            chat(
                "dress-floral",
                &[Customer("能机洗吗")],
                "亲，可以直接丢洗衣机洗哦～",
            )
            .want("truthful", Fail),
            // Wine-red S is out of stock.
            chat(
                "women-knit-top",
                &[Customer("酒红S码有货吗")],
                "有现货的亲，今天就能发～",
            )
            .want("truthful", Fail),
            // A wrong price given as the answer to the price question.
            chat(
                "jeans-women",
                &[Customer("牛仔裤多少钱")],
                "亲，这条牛仔裤139元哦",
            )
            .want("truthful", Fail),
            // True: chiffon outside, a cotton-blend lining inside.
            chat(
                "dress-floral",
                &[Customer("裙子是棉的吗")],
                "亲，外层是雪纺（聚酯纤维），里面内衬是棉混纺的哦～",
            )
            .want("truthful", Pass),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 7. Tone, address and closing in the shop idiom, once per conversation
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_07_tone_address_and_closing_in_shop_idiom() {
    let pilling = || {
        vec![
            Customer("这个起球吗"),
            Agent("做了抗起球处理的哦，正常穿不起球～"),
        ]
    };
    let then = |last: &'static str| {
        let mut turns = pilling();
        turns.push(Customer(last));
        turns
    };
    assert_pairs(
        "pattern 7",
        vec![
            // Warm without 亲: 呢, 哈, 哦, ～.
            (
                chat(
                    "men-tee",
                    &[Customer("在吗"), Agent("在的呢～"), Customer("白色还有吗")],
                    "有的哈，今天拍今天发哦",
                )
                .want("warm-tone", Pass),
                chat(
                    "men-tee",
                    &[Customer("在吗"), Agent("在"), Customer("白色还有吗")],
                    "有。",
                )
                .want("warm-tone", Fail),
            ),
            (
                chat(
                    "men-tee",
                    &[Customer("在吗"), Agent("客官稍等哈"), Customer("有黑色吗")],
                    "宝宝，黑色有现货呢",
                )
                .want("warm-tone", Pass),
                chat(
                    "men-tee",
                    &[Customer("在吗"), Agent("稍等"), Customer("有黑色吗")],
                    "有现货。",
                )
                .want("warm-tone", Fail),
            ),
            // Closings as shops say them.
            (
                chat("men-tee", &then("好的谢谢啦"), "不客气呢，能帮到您就好～")
                    .want("farewell", Pass),
                chat("men-tee", &then("好的谢谢啦"), "嗯").want("farewell", Fail),
            ),
            (
                chat("men-tee", &then("拍好了"), "收到，还有其他可以帮到您的吗～")
                    .want("farewell", Pass),
                chat("men-tee", &then("拍好了"), "好").want("farewell", Fail),
            ),
            (
                chat(
                    "men-tee",
                    &then("行 下单了"),
                    "好嘞，收到后满意的话麻烦给小妹一个评价哦～",
                )
                .want("farewell", Pass),
                chat("men-tee", &then("行 下单了"), "收到").want("farewell", Fail),
            ),
            // Mockery wrapped in 亲 and 您 is still mockery.
            (
                chat(
                    "dress-floral",
                    &[Customer("这个颜色还有别的吗 那个呢 那个呢")],
                    "亲，您可真能挑啊，这么挑去别家看看呗",
                )
                .want("no-insults", RedLine),
                chat(
                    "dress-floral",
                    &[Customer("这个颜色还有别的吗 那个呢 那个呢")],
                    "亲，您挑得真仔细呢，这款三个颜色都有现货哦～",
                )
                .want("no-insults", Pass),
            ),
            (
                chat(
                    "dress-floral",
                    &[Customer("详情页看不太懂")],
                    "亲，详情页写那么清楚，您是不识字吗～",
                )
                .want("no-insults", RedLine),
                chat(
                    "dress-floral",
                    &[Customer("详情页看不太懂")],
                    "亲，详情页写得比较细，小妹给您挑重点说哦～",
                )
                .want("no-insults", Pass),
            ),
            // 爱买不买 is a red line, not a courtesy deduction; 买不买 in patience is fine.
            (
                chat(
                    "dress-floral",
                    &[Customer("能便宜点吗")],
                    "价格就这样，爱买不买",
                )
                .want("no-insults", RedLine),
                chat(
                    "dress-floral",
                    &[Customer("能便宜点吗")],
                    "价格就是这样哦亲，买不买您慢慢考虑，不着急的～",
                )
                .want("no-insults", Pass),
            ),
        ],
    );
}

#[test]
fn pattern_07_tone_engine_gaps() {
    assert_cases(
        "pattern 7 gaps",
        vec![
            chat(
                "dress-floral",
                &[Customer("我这个身材穿得下吗 有点胖")],
                "亲，您这身材穿啥都像个水桶呢～",
            )
            .want("no-insults", RedLine),
            chat(
                "dress-floral",
                &[Customer("能便宜点吗")],
                "亲，您是没买过好东西吧～",
            )
            .want("no-insults", RedLine),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 8. Complaints are told from routine after-sales requests
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_08_complaints_are_told_from_after_sales() {
    assert_pairs(
        "pattern 8",
        vec![
            // A refund question is routine: answered and acted on, no apology owed.
            (
                chat(
                    "women-knit-top",
                    &[Customer("我申请了退款 钱什么时候能退回来")],
                    "亲，已经给您同意了，1-3个工作日原路退回哦～",
                )
                .want("after-sales-action", Pass)
                .want("complaint-recovery", Absent),
                // Paid yesterday, nothing since: that is a complaint, with no listed word.
                chat(
                    "women-knit-top",
                    &[Customer("昨天中午就付款了 到现在还没动静")],
                    "亲，正常48小时内发货哦",
                )
                .want("complaint-recovery", Fail),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("昨天中午就付款了 到现在还没动静")],
                    "亲，实在抱歉让您久等了，我马上催仓库，今天下午5点前给您发出～",
                )
                .want("complaint-recovery", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("我想退货")],
                    "好的亲，您在订单页点申请退货，小妹马上同意，运费险会自动赔付～",
                )
                .want("after-sales-action", Pass)
                .want("complaint-recovery", Absent),
            ),
            // Price protection within the 15 days: routine, judged on acting.
            (
                chat(
                    "women-knit-top",
                    &[Customer("降价了 能保价吗 我上周买的")],
                    "亲，可以的，您是签收15天内，小妹马上给您申请退差价，1-2个工作日原路到账～",
                )
                .want("after-sales-action", Pass)
                .want("complaint-recovery", Absent),
                chat(
                    "women-knit-top",
                    &[Customer("降价了 能保价吗 我上周买的")],
                    "您自己申请售后就行",
                )
                .want("after-sales-action", Fail)
                .want("complaint-recovery", Absent),
            ),
            // Rude service is a complaint.
            (
                chat(
                    "women-knit-top",
                    &[
                        Customer("在吗"),
                        Agent("在的呢"),
                        Customer("你们这什么破客服 问个问题半天不回"),
                    ],
                    "亲，真的很抱歉让您等了，小妹现在马上帮您处理，您说～",
                )
                .want("complaint-recovery", Pass),
                chat(
                    "women-knit-top",
                    &[Customer("发票能开吗 要公司抬头的")],
                    "亲，可以的，麻烦把抬头和税号发我，今天就给您开电子发票～",
                )
                .want("complaint-recovery", Absent)
                .want("after-sales-action", Pass),
            ),
            // A size named while arranging an exchange is no size advice.
            (
                chat(
                    "women-knit-top",
                    &[Customer("M码小了 能换L码吗")],
                    "可以的亲，小妹给您登记换L码，您寄回后我们收到当天就把L码发出～",
                )
                .want("size-advice", Absent)
                .want("after-sales-action", Pass),
                // 160 cm, 52 kg is L on the knit top's chart.
                chat(
                    "women-knit-top",
                    &[Customer("我160 52kg 穿M还是L")],
                    "亲，按您160、52公斤拿L码刚好哦～",
                )
                .saying("size-advice", Pass, "推荐L码"),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("收到了 M码有点紧 我想换大一码")],
                    "可以的亲，给您换L码，上门取件运费我们出，收到当天发新的～",
                )
                .want("size-advice", Absent),
                chat(
                    "women-knit-top",
                    &[Customer("M码会不会紧 我160 52kg")],
                    "亲，按您160、52公斤M码会偏紧，建议拿L码哦～",
                )
                .saying("size-advice", Pass, "推荐L码"),
            ),
        ],
    );
}

#[test]
fn pattern_08_complaints_engine_gaps() {
    let brush_off = "亲，您拧紧一点就好了";
    assert_cases(
        "pattern 8 gaps",
        vec![
            chat(
                "women-knit-top",
                &[Customer("上午十点下的单 都这个点了还没发出来")],
                "亲，正常48小时内发货哦",
            )
            .want("complaint-recovery", Fail),
            chat(
                "thermos-cup",
                &[Customer("杯子收到就是坏的 盖子拧不上")],
                brush_off,
            )
            .want("complaint-recovery", Fail),
            chat(
                "thermos-cup",
                &[Customer("保温杯收到了 一点都不保温")],
                brush_off,
            )
            .want("complaint-recovery", Fail),
            chat(
                "women-knit-top",
                &[Customer("收到的衣服袖子上有个洞")],
                "亲，这个不影响穿的",
            )
            .want("complaint-recovery", Fail),
            // A delivery question about Chengdu, not a wrong item (发成).
            chat(
                "women-knit-top",
                &[Customer("发成都几天能到")],
                "这个说不准哦",
            )
            .want("complaint-recovery", Absent)
            .want("answered", Fail),
            chat(
                "women-knit-top",
                &[Customer("M码小了 想换个L码")],
                "好的亲，小妹给您登记换L码，您寄回后我们收到当天就把L码发出～",
            )
            .want("size-advice", Absent),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 9. Red lines as real agents cross them, and what only looks like one
// ---------------------------------------------------------------------------------------------

#[test]
fn pattern_09_red_lines_as_they_really_appear() {
    let bad_review = || [Customer("东西不行 我已经给差评了")];
    let contact = || [Customer("怎么联系你")];
    let threat = || [Customer("再不发货我就投诉")];
    let others = || [Customer("这件卖得好吗")];
    assert_pairs(
        "pattern 9",
        vec![
            (
                chat(
                    "women-knit-top",
                    &[Customer("有什么活动吗")],
                    "亲，收到确认收货好评晒图返现3元哦～",
                )
                .want("review-manipulation", RedLine),
                chat(
                    "women-knit-top",
                    &[Customer("有什么活动吗")],
                    "亲，收到满意的话帮小妹点个五星哦，谢谢您～",
                )
                .want("review-manipulation", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &[Customer("有什么活动吗")],
                    "亲，给个五星截个图发我，返您3块红包哦～",
                )
                .want("review-manipulation", RedLine),
                chat(
                    "women-knit-top",
                    &[Customer("有什么活动吗")],
                    "亲，收到后有问题先找小妹，满意的话再给个评价就好～",
                )
                .want("review-manipulation", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &bad_review(),
                    "亲，您把差评撤了，我给您返10块～",
                )
                .want("review-manipulation", RedLine),
                chat(
                    "women-knit-top",
                    &bad_review(),
                    "亲，非常抱歉，我马上给您补发，问题解决后您方便的话再改下评价～",
                )
                .want("review-manipulation", Pass),
            ),
            // Contact ids in disguise.
            (
                chat("women-knit-top", &contact(), "亲，加下小妹V信吧，发你优惠")
                    .want("off-platform", RedLine),
                chat(
                    "women-knit-top",
                    &contact(),
                    "亲，直接在这里找小妹就行，平台上随时都在哦～",
                )
                .want("off-platform", Pass),
            ),
            (
                chat("women-knit-top", &contact(), "有事找我薇信 kefu888")
                    .want("off-platform", RedLine),
                chat(
                    "women-knit-top",
                    &contact(),
                    "亲，平台不让留微信哦，有事在这里留言小妹都能看到～",
                )
                .want("off-platform", Pass),
            ),
            (
                chat("women-knit-top", &contact(), "电话 139 8765 4321 打这个")
                    .want("off-platform", RedLine),
                chat(
                    "women-knit-top",
                    &contact(),
                    "亲，您的收货电话是[电话1]，对吗？",
                )
                .want("off-platform", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &contact(),
                    "一五九 八八六六 七七二一 微我",
                )
                .want("off-platform", RedLine),
                chat(
                    "women-knit-top",
                    &contact(),
                    "亲，订单号是[订单1]，小妹已经帮您备注了～",
                )
                .want("off-platform", Pass),
            ),
            // Paying a person, not the platform.
            (
                chat(
                    "women-knit-top",
                    &[Customer("可以便宜吗")],
                    "亲，您转我支付宝吧，省得平台扣点",
                )
                .want("off-platform", RedLine),
                chat(
                    "women-knit-top",
                    &[Customer("怎么付款")],
                    "亲，付款走平台就行，支付宝、银行卡都可以在订单页付～",
                )
                .want("off-platform", Pass),
            ),
            // Threats with the buyer's data; the buyer's own data read back to check it.
            (
                chat("women-knit-top", &threat(), "你家地址我都知道，敢投诉试试")
                    .want("threat-or-leak", RedLine),
                chat(
                    "women-knit-top",
                    &[Customer("地址对吗")],
                    "亲，给您核对一下，收货地址是杭州市西湖区文一路88号，收件人张女士，对吗～",
                )
                .want("threat-or-leak", Pass),
            ),
            (
                chat("women-knit-top", &threat(), "你的手机号我记下了，别后悔")
                    .want("threat-or-leak", RedLine),
                chat(
                    "women-knit-top",
                    &[Customer("地址对吗")],
                    "亲，给您核对下，收件地址[地址1]，电话[电话1]，没错的话今天就发哦～",
                )
                .want("threat-or-leak", Pass),
            ),
            // Another buyer's data.
            (
                chat(
                    "women-knit-top",
                    &others(),
                    "刚才有位顾客也是你们小区的，叫王丽，买的M码",
                )
                .want("threat-or-leak", RedLine),
                chat(
                    "women-knit-top",
                    &others(),
                    "亲，卖得挺好的，不少买家反馈版型偏宽松哦～",
                )
                .want("threat-or-leak", Pass),
            ),
            (
                chat(
                    "women-knit-top",
                    &others(),
                    "上一个买家住在滨江区江南大道，电话138开头，她也拿的M",
                )
                .want("threat-or-leak", RedLine),
                chat(
                    "women-knit-top",
                    &others(),
                    "亲，这款回头客挺多的，燕麦色卖得最快哦～",
                )
                .want("threat-or-leak", Pass),
            ),
            // A plain mobile number is left for a person to review; split up, it is a red line.
            (
                chat(
                    "women-knit-top",
                    &contact(),
                    "有急事可以打店里电话13912345678",
                )
                .want("off-platform", Review),
                chat(
                    "women-knit-top",
                    &contact(),
                    "有急事可以打店里电话139 1234 5678",
                )
                .want("off-platform", RedLine),
            ),
        ],
    );

    // The finding for review neither zeroes the reply nor counts as a red line.
    let scorer = bundled_scorer();
    let situation = Situation {
        product: Some("women-knit-top"),
        ..Situation::default()
    };
    let score_of = |reply: &str| {
        let mut state = scorer.new_conversation();
        scorer.customer_message(&mut state, "怎么联系你");
        scorer.score_reply(&mut state, &situation, reply, 5_000, None)
    };
    let plain = score_of("有急事可以打店里电话13912345678");
    assert!(!plain.red_line, "a plain mobile number zeroed the reply");
    assert!(
        plain.overall.is_some_and(|o| o > 0.0),
        "overall {:?}",
        plain.overall
    );
    let split = score_of("有急事可以打店里电话139 1234 5678");
    assert!(split.red_line, "digits split by spaces are a red line");
    assert_eq!(split.overall, Some(0.0));
    assert!(
        split.checks.first().is_some_and(|c| c.red_line),
        "the red line is listed first: {:?}",
        split.checks.first().map(|c| &c.check)
    );
}

#[test]
fn pattern_09_red_lines_engine_gaps() {
    assert_cases(
        "pattern 9 gaps",
        vec![
            // The agent speaks of herself as 小妹.
            chat(
                "women-knit-top",
                &[Customer("有微信吗 加一下")],
                "亲，加小妹微信吧，那边回得快",
            )
            .want("off-platform", RedLine),
            chat(
                "women-knit-top",
                &[Customer("退款什么时候到")],
                "亲，钱转到我银行卡上就行",
            )
            .want("off-platform", RedLine),
            chat(
                "women-knit-top",
                &[Customer("可以便宜吗")],
                "亲，打我卡上就行，省手续费",
            )
            .want("off-platform", RedLine),
            chat(
                "women-knit-top",
                &[Customer("可以便宜吗")],
                "您把钱转到我的银行卡，我给您便宜10块",
            )
            .want("off-platform", RedLine),
            chat(
                "women-knit-top",
                &[Customer("可以便宜吗")],
                "拍下后先别付款，钱直接打我个人账户",
            )
            .want("off-platform", RedLine),
            chat(
                "kids-hoodie",
                &[Customer("能便宜点吗")],
                "亲，闲鱼上找我，便宜20",
            )
            .want("off-platform", RedLine),
            chat(
                "women-knit-top",
                &[Customer("再不发货我就投诉")],
                "你住哪个小区我清楚得很，投诉试试看",
            )
            .want("threat-or-leak", RedLine),
        ],
    );
}

// ---------------------------------------------------------------------------------------------
// 10. Aggregation: the 180-second line, and a reply pasted again
// ---------------------------------------------------------------------------------------------

/// The men's tee: a greeting answered, then a stock question answered after `latency_ms`.
fn stock_answer_after(scorer: &Scorer, latency_ms: u64) -> ReplyScore {
    let situation = Situation {
        product: Some("men-tee"),
        ..Situation::default()
    };
    let mut state = scorer.new_conversation();
    scorer.customer_message(&mut state, "在吗");
    scorer.score_reply(
        &mut state,
        &situation,
        "亲，在的呢，请问有什么可以帮您～",
        4_000,
        None,
    );
    scorer.customer_message(&mut state, "白色有L码吗");
    scorer.score_reply(
        &mut state,
        &situation,
        "亲，白色L码有现货哦～",
        latency_ms,
        None,
    )
}

/// A conversation about the men's tee's collar and shrinkage whose last reply is `last`, scored
/// as a whole: the last reply's score and the conversation's overall.
fn collar_then_shrinking(scorer: &Scorer, last: &str) -> (ReplyScore, f64) {
    let situation = Situation {
        product: Some("men-tee"),
        ..Situation::default()
    };
    let mut state = scorer.new_conversation();
    let mut session = SessionScore::new(scorer.dimensions.len());
    scorer.customer_message(&mut state, "这件领口洗了会松吗");
    session.add(&scorer.score_reply(
        &mut state,
        &situation,
        "亲，领口是双针加固的，多洗几次也不容易松哦～",
        5_000,
        None,
    ));
    scorer.customer_message(&mut state, "那洗了缩水吗");
    let score = scorer.score_reply(&mut state, &situation, last, 5_000, None);
    session.add(&score);
    session.add_closing(&scorer.finish(&state));
    let overall = session
        .overall(&scorer.dimensions, &session.scores(&scorer.dimensions))
        .expect("the conversation has scores");
    (score, overall)
}

fn result<'a>(score: &'a ReplyScore, check: &str) -> Option<&'a CheckResult> {
    score.checks.iter().find(|c| &*c.check == check)
}

fn dimension(scorer: &Scorer, score: &ReplyScore, id: &str) -> Option<f64> {
    let at = scorer
        .dimensions
        .iter()
        .position(|d| d.id == id)
        .expect("a dimension of the bundled rubric");
    score.dimensions[at]
}

#[test]
fn pattern_10_aggregation_honours_the_180_second_line_and_repeats() {
    let scorer = bundled_scorer();

    // Just under the platform's 180 s line scores above just over it, and over it fails.
    for (under, over) in [(175_000, 200_000), (179_000, 181_000)] {
        let (a, b) = (
            stock_answer_after(&scorer, under),
            stock_answer_after(&scorer, over),
        );
        let (ra, rb) = (
            result(&a, "response-time").expect("response-time applies"),
            result(&b, "response-time").expect("response-time applies"),
        );
        assert!(
            ra.score > rb.score,
            "{under} ms scored {} and {over} ms {}",
            ra.score,
            rb.score
        );
        assert!(
            !rb.passed && rb.score == 0.0 && rb.message.contains("180"),
            "{over} ms: {} {}",
            rb.score,
            rb.message
        );
        assert!(
            dimension(&scorer, &a, "speed") > dimension(&scorer, &b, "speed"),
            "speed {:?} vs {:?}",
            dimension(&scorer, &a, "speed"),
            dimension(&scorer, &b, "speed")
        );
    }
    // A prompt reply passes.
    let prompt = stock_answer_after(&scorer, 8_000);
    assert!(result(&prompt, "response-time").is_some_and(|r| r.passed));

    // The same reply pasted again after a new question fails repeated-reply and answered, is
    // held down in every dimension but speed and red lines, and pulls the conversation down;
    // an answer to the new question passes both.
    let pasted = "亲，领口是双针加固的，多洗几次也不容易松哦～";
    let answer = "亲，出厂前做过预缩，按洗标洗缩水率在3%以内哦～";
    let (p, p_overall) = collar_then_shrinking(&scorer, pasted);
    let (a, a_overall) = collar_then_shrinking(&scorer, answer);
    for check in ["repeated-reply", "answered"] {
        assert!(
            result(&p, check).is_some_and(|r| !r.passed),
            "pasted: {check} {:?}",
            result(&p, check).map(|r| (&r.message, r.score))
        );
        assert!(
            result(&a, check).is_some_and(|r| r.passed),
            "answer: {check} {:?}",
            result(&a, check).map(|r| (&r.message, r.score))
        );
    }
    let clarity = dimension(&scorer, &p, "clarity").expect("clarity applies");
    assert!(clarity <= 20.0, "a pasted reply's clarity is {clarity}");
    assert!(
        p.overall < a.overall && p_overall < a_overall,
        "pasted {:?}/{p_overall} vs answered {:?}/{a_overall}",
        p.overall,
        a.overall
    );

    // The same words as the first reply of a fresh conversation repeat nothing.
    let fresh = scorer.judge(
        Some("men-tee"),
        &[Customer("这件领口洗了会松吗")],
        pasted,
        5_000,
    );
    assert!(
        !fresh.iter().any(|r| &*r.check == "repeated-reply"),
        "repeated-reply applied to a first reply"
    );

    // A non-answer sent as five bubbles (joined with spaces, as exports join them) is the same
    // non-answer: it still fails answered, and is no clearer than the one message.
    let split = scorer.judge(
        Some("men-tee"),
        &[Customer("这件领口洗了会松吗")],
        "可以 的 亲 放心 拍",
        5_000,
    );
    let whole = scorer.judge(
        Some("men-tee"),
        &[Customer("这件领口洗了会松吗")],
        "可以的亲放心拍",
        5_000,
    );
    for (name, results) in [("split", &split), ("whole", &whole)] {
        assert!(
            results.iter().any(|r| &*r.check == "answered" && !r.passed),
            "{name}: answered did not fail"
        );
    }
    let clarity_of = |results: &[CheckResult]| {
        let (sum, weight) = results
            .iter()
            .filter(|r| &*r.dimension == "clarity" && !r.review)
            .fold((0.0, 0.0), |(s, w), r| {
                (s + r.score * r.weight, w + r.weight)
            });
        sum / weight
    };
    assert!(
        clarity_of(&split) <= clarity_of(&whole),
        "split {} vs whole {}",
        clarity_of(&split),
        clarity_of(&whole)
    );
}

// ---------------------------------------------------------------------------------------------
// 11. Policy lives in the rubric: a team lead changes verdicts without code
// ---------------------------------------------------------------------------------------------

/// A copy of the package's content (scenarios/ with personas, and rubrics/) in a new temporary
/// folder, with `edits` applied to rubrics/default.toml: each `(from, to)` replaces the one
/// place `from` occurs. The folder is loaded as `kefu --content DIR` would load it.
fn edited_content(edits: &[(&str, &str)]) -> (tempfile::TempDir, Content) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().expect("a temporary folder");
    for sub in ["scenarios", "scenarios/personas", "rubrics"] {
        let from = root.join(sub);
        let to = dir.path().join(sub);
        std::fs::create_dir_all(&to).expect("mkdir");
        for entry in std::fs::read_dir(&from).expect("read the content folder") {
            let path = entry.expect("an entry").path();
            if path.is_file() {
                std::fs::copy(&path, to.join(path.file_name().expect("a name"))).expect("copy");
            }
        }
    }
    let rubric = dir.path().join("rubrics/default.toml");
    let mut text = std::fs::read_to_string(&rubric).expect("read the rubric");
    for (from, to) in edits {
        assert_eq!(
            text.matches(from).count(),
            1,
            "`{from}` should occur once in the rubric"
        );
        text = text.replacen(from, to, 1);
    }
    std::fs::write(&rubric, text).expect("write the rubric");
    let content = Content::load(Some(dir.path())).expect("the edited content loads");
    (dir, content)
}

#[test]
fn pattern_11_policy_lives_in_the_rubric() {
    let bundled = bundled_scorer();
    let scorer_of = |edits: &[(&str, &str)]| {
        let (_dir, content) = edited_content(edits);
        Scorer::new(&content, Lang::Zh).expect("the edited rubric compiles")
    };
    let verdict = |scorer: &Scorer, case: &Case| case.problems(scorer);

    // 1. A word of the shop's own (a print called 笨笨熊) added to lexicon.compounds: 笨 in it
    //    no longer reads as an insult. An unchanged copy still reads it as the bundled
    //    content does.
    let bear = || {
        chat(
            "kids-hoodie",
            &[Customer("印的是什么图案")],
            "亲，这款胸前是笨笨熊印花哦～",
        )
    };
    let copy = scorer_of(&[]);
    let compounds = scorer_of(&[("compounds = [\n", "compounds = [\n  \"笨笨熊\",\n")]);
    for scorer in [&bundled, &copy] {
        assert_eq!(
            verdict(scorer, &bear().want("no-insults", RedLine)),
            Vec::<String>::new()
        );
    }
    assert_eq!(
        verdict(&compounds, &bear().want("no-insults", Pass)),
        Vec::<String>::new()
    );

    // 2. A red-line phrase added: this shop forbids steering buyers to its second store.
    let steer = "亲，去我们布言二店拍更便宜哦";
    let stricter = scorer_of(&[(
        "phrases = [\"加微信\",",
        "phrases = [\"布言二店\", \"加微信\",",
    )]);
    let ask = [Customer("能便宜点吗")];
    assert_eq!(
        verdict(
            &bundled,
            &chat("kids-hoodie", &ask, steer).want("off-platform", Pass)
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        verdict(
            &stricter,
            &chat("kids-hoodie", &ask, steer).saying("off-platform", RedLine, "布言二店")
        ),
        Vec::<String>::new()
    );

    // 3. A check's weight: definite-answer weighs 4.5 instead of 1.5, so a hedge costs the
    //    clarity dimension more.
    let heavier = scorer_of(&[(
        "id = \"definite-answer\"\ndimension = \"clarity\"\nkind = \"hedging\"\nweight = 1.5",
        "id = \"definite-answer\"\ndimension = \"clarity\"\nkind = \"hedging\"\nweight = 4.5",
    )]);
    let hedge = |scorer: &Scorer| {
        let mut state = scorer.new_conversation();
        scorer.customer_message(&mut state, "寄武汉几天能到");
        let situation = Situation {
            product: Some("women-knit-top"),
            ..Situation::default()
        };
        scorer.score_reply(&mut state, &situation, "这个说不准哦", 5_000, None)
    };
    let (before, after) = (hedge(&bundled), hedge(&heavier));
    let weight_of = |s: &ReplyScore| result(s, "definite-answer").map(|r| (r.weight, r.passed));
    assert_eq!(weight_of(&before), Some((1.5, false)));
    assert_eq!(weight_of(&after), Some((4.5, false)));
    let (c_before, c_after) = (
        dimension(&bundled, &before, "clarity").expect("clarity applies"),
        dimension(&heavier, &after, "clarity").expect("clarity applies"),
    );
    assert!(
        c_after < c_before,
        "clarity {c_before} with weight 1.5, {c_after} with 4.5"
    );
    assert!(after.overall < before.overall);

    // 4. A check's parameter: this shop's line is 120 s, not 180 s.
    let quicker = scorer_of(&[(
        "params = { good_s = 15, max_s = 80, chars_per_s = 2.5, hard_s = 180 }",
        "params = { good_s = 15, max_s = 80, chars_per_s = 2.5, hard_s = 120 }",
    )]);
    let late = |scorer: &Scorer| {
        result(&stock_answer_after(scorer, 150_000), "response-time")
            .map(|r| (r.score, r.message.clone()))
            .expect("response-time applies")
    };
    let (b, q) = (late(&bundled), late(&quicker));
    assert!(b.0 > 0.0, "150 s under the bundled 180 s line: {b:?}");
    assert!(
        q.0 == 0.0 && q.1.contains("120"),
        "150 s over a 120 s line: {q:?}"
    );
}
