//! CJK-aware text normalisation and phrase matching for chat messages.
//!
//! Every message is passed through [`normalize`] once; all later matching (keyword phrases,
//! extractors) works on the normalised text, so full-width forms, Chinese punctuation, upper-case
//! ASCII and traditional characters never need special cases downstream.

use std::ops::Range;

/// First and last code point of the CJK unified ideographs: the block whose traditional
/// characters are folded, and the one the phrasebook walker codes through a table.
pub(crate) const CJK_FIRST: u32 = 0x4E00;
pub(crate) const CJK_LAST: u32 = 0x9FFF;

/// Number of code points in the CJK block.
const CJK_LEN: usize = (CJK_LAST - CJK_FIRST + 1) as usize;

/// Traditional → simplified, one character for one, over the CJK block: OpenCC's character
/// table and the few folds shop chat needs on top of it (`FOLD_OVERRIDES`), made by build.rs
/// (see there for what is left out). Chains are followed to their end, so that normalising twice
/// changes nothing.
struct TradFold {
    /// One bit per code point of the block, set for the characters that fold.
    bits: [u64; CJK_LEN.div_ceil(64)],
    /// For each word of `bits`, how many bits are set in the words before it: with the bits set
    /// below a character's in its own word, where its fold is in `simp`.
    rank: [u16; CJK_LEN.div_ceil(64)],
    /// The simplified characters, in the order of the traditional ones.
    simp: &'static [char],
}

// `static TRAD_FOLD: TradFold`, and for the tests `FOLD_OVERRIDES`.
include!(concat!(env!("OUT_DIR"), "/trad_table.rs"));

impl TradFold {
    /// Whether `cp` folds (never outside the CJK block).
    #[inline]
    fn is_traditional(&self, cp: u32) -> bool {
        let off = cp.wrapping_sub(CJK_FIRST) as usize;
        self.bits
            .get(off / 64)
            .is_some_and(|w| w & (1 << (off % 64)) != 0)
    }

    /// The simplified form of `c`, if it folds.
    #[inline]
    fn get(&self, c: char) -> Option<char> {
        let off = (c as u32).wrapping_sub(CJK_FIRST) as usize;
        let (word, bit) = (off / 64, off % 64);
        let w = *self.bits.get(word)?;
        if w & (1 << bit) == 0 {
            return None;
        }
        let below = (w & ((1 << bit) - 1)).count_ones() as usize;
        let at = usize::from(*self.rank.get(word)?) + below;
        self.simp.get(at).copied()
    }

    /// Every fold, (traditional, simplified), by traditional code point.
    #[cfg(test)]
    fn pairs(&self) -> impl Iterator<Item = (char, char)> + '_ {
        (CJK_FIRST..=CJK_LAST)
            .filter_map(char::from_u32)
            .filter_map(|t| self.get(t).map(|s| (t, s)))
    }
}

/// The code point of the character whose UTF-8 starts at `bytes[i]`, when its lead byte is E4 to
/// E9: the three-byte characters from U+4000, among them every CJK unified ideograph (U+4E00 to
/// U+9FFF). None for any other character, or one cut off at the end of `bytes`. Chinese text is
/// read this way, straight from its bytes.
#[inline]
pub(crate) fn three_byte_at(bytes: &[u8], i: usize) -> Option<u32> {
    let lead = *bytes.get(i)?;
    if !(0xE4..=0xE9).contains(&lead) {
        return None;
    }
    let (b1, b2) = (*bytes.get(i + 1)?, *bytes.get(i + 2)?);
    Some((u32::from(lead & 0x0F) << 12) | (u32::from(b1 & 0x3F) << 6) | u32::from(b2 & 0x3F))
}

/// Maps one character to its normalised form.
#[inline]
fn normalize_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let cp = c as u32;
    match cp {
        // Full-width ASCII block: shift down to ASCII, then lower-case letters.
        0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0)
            .map(|a| a.to_ascii_lowercase())
            .unwrap_or(c),
        0x3000 | 0x00A0 => ' ',
        0x3001 => ',',                            // 、
        0x3002 => '.',                            // 。
        0x3010 => '[',                            // 【
        0x3011 => ']',                            // 】
        0x201C | 0x201D => '"',                   // “ ”
        0x300C..=0x300F => '"',                   // 「 」 『 』
        0x2018 | 0x2019 => '\'',                  // ‘ ’
        0x2010 | 0x2013 | 0x2014 | 0x2015 => '-', // ‐ – — ―
        0x301C => '~',                            // 〜 wave dash
        CJK_FIRST..=CJK_LAST => TRAD_FOLD.get(c).unwrap_or(c),
        _ => c,
    }
}

/// A 256-bit filter of the characters of a text: a clear bit means the character is absent.
/// Made while the text is normalized, so that looking for names in it (see
/// `analysis::NameHay`) does not decode it again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CharBits([u64; 4]);

impl CharBits {
    #[inline]
    fn bit(c: u32) -> usize {
        (c.wrapping_mul(0x9E37_79B1) >> 24) as usize
    }

    #[inline]
    fn insert(&mut self, c: u32) {
        let b = Self::bit(c);
        self.0[b / 64] |= 1 << (b % 64);
    }

    /// Whether `c` may occur in the text (a false positive now and then, never a false
    /// negative).
    #[inline]
    pub fn may_contain(&self, c: char) -> bool {
        let b = Self::bit(c as u32);
        self.0[b / 64] & (1 << (b % 64)) != 0
    }
}

/// Normalises chat text in a single pass: full-width ASCII → ASCII, ideographic space → space,
/// Chinese punctuation → ASCII punctuation, ASCII letters → lower case and traditional
/// characters → simplified. Every input character maps to exactly one output character.
pub fn normalize(s: &str) -> String {
    normalize_inner::<false>(s).0
}

/// [`normalize`], and the filter of the normalized text's characters, made in the same pass.
pub fn normalize_with_bits(s: &str) -> (String, CharBits) {
    normalize_inner::<true>(s)
}

fn normalize_inner<const BITS: bool>(s: &str) -> (String, CharBits) {
    let fold = &TRAD_FOLD;
    let mut bits = CharBits::default();
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    // Unchanged runs are copied in bulk; `run` is where the current one starts.
    let mut run = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b < 0x80 {
            let lower = b.to_ascii_lowercase();
            if BITS {
                bits.insert(u32::from(lower));
            }
            if b != lower {
                out.push_str(s.get(run..i).unwrap_or(""));
                out.push(char::from(lower));
                run = i + 1;
            }
            i += 1;
            continue;
        }
        // Most characters are Chinese: only traditional ones change.
        if let Some(cp) = three_byte_at(bytes, i).filter(|&cp| !fold.is_traditional(cp)) {
            if BITS {
                bits.insert(cp);
            }
            i += 3;
            continue;
        }
        let Some(c) = s.get(i..).and_then(|r| r.chars().next()) else {
            break;
        };
        let len = c.len_utf8();
        let mapped = normalize_char(c);
        if BITS {
            bits.insert(mapped as u32);
        }
        if mapped != c {
            out.push_str(s.get(run..i).unwrap_or(""));
            out.push(mapped);
            run = i + len;
        }
        i += len;
    }
    out.push_str(s.get(run..).unwrap_or(""));
    (out, bits)
}

/// Finds `phrase` in `haystack_normalized` (plain substring search: Chinese has no word
/// boundaries). Both sides are expected to be normalised already. Returns the byte range of the
/// first occurrence; an empty phrase never matches.
pub fn contains_phrase(haystack_normalized: &str, phrase: &str) -> Option<Range<usize>> {
    if phrase.is_empty() {
        return None;
    }
    haystack_normalized
        .find(phrase)
        .map(|start| start..start + phrase.len())
}

/// Value of a Chinese (or ASCII) numeral digit, including the colloquial 两 and 〇.
#[inline]
pub(crate) fn cn_digit(c: char) -> Option<u32> {
    Some(match c {
        '零' | '〇' | '0' => 0,
        '一' | '1' => 1,
        '二' | '两' | '兩' | '2' => 2,
        '三' | '3' => 3,
        '四' | '4' => 4,
        '五' | '5' => 5,
        '六' | '6' => 6,
        '七' | '7' => 7,
        '八' | '8' => 8,
        '九' | '9' => 9,
        _ => return None,
    })
}

/// Value of a Chinese numeral unit character.
#[inline]
pub(crate) fn cn_unit(c: char) -> Option<u32> {
    Some(match c {
        '十' => 10,
        '百' => 100,
        '千' => 1000,
        '万' | '萬' => 10_000,
        _ => return None,
    })
}

/// Parses a Chinese numeral such as 九十八, 一百二十五, 两百, 十五 or the digit-by-digit form
/// 一六二. Colloquial 一百二 means 120 (a trailing digit after a unit counts in the next lower
/// unit). Plain ASCII digits ("162") are accepted too. Returns `None` for empty or malformed
/// input and on overflow.
pub fn chinese_number(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if !s.chars().any(|c| cn_unit(c).is_some()) {
        // Digit by digit: 一六二 → 162, "162" → 162.
        let mut v: u32 = 0;
        for c in s.chars() {
            let d = cn_digit(c)?;
            v = v.checked_mul(10)?.checked_add(d)?;
        }
        return Some(v);
    }

    let mut total: u32 = 0; // completed 万 sections
    let mut section: u32 = 0; // value below 万
    let mut pending: Option<u32> = None; // digit waiting for its unit
    let mut last_unit: Option<u32> = None; // last unit seen (for ordering and colloquial tails)
    let mut section_unit: Option<u32> = None; // last unit inside the current section
    let mut after_zero = false;
    for c in s.chars() {
        if let Some(d) = cn_digit(c) {
            if d == 0 {
                if pending.is_some() {
                    return None;
                }
                after_zero = true;
                continue;
            }
            if pending.is_some() {
                return None; // two digits in a row, e.g. 一二百
            }
            pending = Some(d);
        } else if let Some(u) = cn_unit(c) {
            if u == 10_000 {
                let head = section.checked_add(pending.take().unwrap_or(0))?;
                if head == 0 || total != 0 {
                    return None;
                }
                total = head.checked_mul(10_000)?;
                section = 0;
                section_unit = None;
            } else {
                if section_unit.is_some_and(|prev| u >= prev) {
                    return None; // units must decrease: 十百 is malformed
                }
                let m = match pending.take() {
                    Some(d) => d,
                    // A bare 十 means 一十; 百/千 need an explicit digit.
                    None if u == 10 => 1,
                    None => return None,
                };
                section = section.checked_add(m.checked_mul(u)?)?;
                section_unit = Some(u);
            }
            last_unit = Some(u);
            after_zero = false;
        } else {
            return None;
        }
    }
    if let Some(d) = pending {
        let scale = match last_unit {
            // 一百二 → 120, 两万五 → 25000; but 一百零五 → 105 and 二十五 → 25.
            Some(u) if !after_zero && u >= 100 => u / 10,
            _ => 1,
        };
        section = section.checked_add(d.checked_mul(scale)?)?;
    }
    total.checked_add(section)
}

/// Whether a character whose UTF-8 starts with `lead` may be white space: ASCII white space,
/// or a lead byte of U+0085, U+00A0, U+1680, U+2000–U+205F or U+3000 (every other character is
/// not).
#[inline]
fn lead_may_be_space(lead: u8) -> bool {
    matches!(lead, b'\t'..=b'\r' | b' ' | 0xC2 | 0xE1 | 0xE2 | 0xE3)
}

/// `s.trim()`, without decoding when neither end can be white space (the usual case: text that
/// starts and ends with a Chinese character, a letter or a punctuation mark).
#[inline]
pub fn trim(s: &str) -> &str {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return s;
    };
    // The last character starts at the last byte that is not a continuation byte.
    let last_lead = b.iter().rev().take(4).find(|&&x| x & 0xC0 != 0x80);
    match last_lead {
        Some(&last) if !lead_may_be_space(first) && !lead_may_be_space(last) => s,
        _ => s.trim(),
    }
}

/// Number of characters (Unicode scalar values) in `s`.
pub fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Moves `i` down to the nearest char boundary of `s` (clamped to `s.len()`).
fn floor_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Moves `i` up to the nearest char boundary of `s` (clamped to `s.len()`).
fn ceil_boundary(s: &str, i: usize) -> usize {
    let mut i = i.min(s.len());
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

/// A short snippet of `s` around the byte `range`, with up to `context_chars` characters on each
/// side and `…` where the text was cut. Out-of-range or mid-character offsets are clamped to the
/// nearest character boundaries, so any range is accepted.
pub fn excerpt(s: &str, range: Range<usize>, context_chars: usize) -> String {
    let (a, b) = if range.start <= range.end {
        (range.start, range.end)
    } else {
        (range.end, range.start)
    };
    let start = floor_boundary(s, a);
    let end = ceil_boundary(s, b).max(start);

    let from = if context_chars == 0 {
        start
    } else {
        s.get(..start)
            .and_then(|before| {
                before
                    .char_indices()
                    .rev()
                    .take(context_chars)
                    .last()
                    .map(|(i, _)| i)
            })
            .unwrap_or(start)
    };
    let to = s
        .get(end..)
        .and_then(|after| {
            after
                .char_indices()
                .nth(context_chars)
                .map(|(i, _)| end + i)
        })
        .unwrap_or(s.len());

    let body = s.get(from..to).unwrap_or("");
    let mut out = String::with_capacity(body.len() + 6);
    if from > 0 {
        out.push('…');
    }
    out.push_str(body);
    if to < s.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every character from U+0000 to U+FFFF and some beyond, in runs of mixed widths.
    fn every_character() -> String {
        (0..0x1_0000u32)
            .chain(0x1F300..0x1F320)
            .filter_map(char::from_u32)
            .collect()
    }

    #[test]
    fn normalize_maps_every_character_as_normalize_char_does() {
        let all = every_character();
        let want: String = all.chars().map(normalize_char).collect();
        assert_eq!(normalize(&all), want);
        for chunk in all.chars().collect::<Vec<_>>().chunks(7) {
            let text: String = chunk.iter().collect();
            let want: String = chunk.iter().map(|&c| normalize_char(c)).collect();
            assert_eq!(normalize(&text), want);
        }
    }

    /// The filter of a text's characters, made from the text alone.
    fn filter_of(text: &str) -> CharBits {
        let mut bits = CharBits::default();
        for c in text.chars() {
            bits.insert(c as u32);
        }
        bits
    }

    #[test]
    fn the_filter_made_while_normalizing_is_the_filter_of_the_normalized_text() {
        let all = every_character();
        let (norm, bits) = normalize_with_bits(&all);
        assert_eq!(norm, normalize(&all));
        assert_eq!(bits, filter_of(&norm));
        for text in ["", "亲，XL码有货嗎？", "ＡＢＣ１２３", "這件衣服 😊 ok"] {
            let (norm, bits) = normalize_with_bits(text);
            assert_eq!(norm, normalize(text));
            assert_eq!(bits, filter_of(&norm), "{text}");
            assert!(norm.chars().all(|c| bits.may_contain(c)), "{text}");
        }
    }

    #[test]
    fn trim_agrees_with_str_trim() {
        let spaces: Vec<char> = (0..=0x3000u32)
            .filter_map(char::from_u32)
            .filter(|c| c.is_whitespace())
            .collect();
        assert_eq!(spaces.len(), 25, "{spaces:?}");
        let edges = ["", "a", "亲", "？", "😊", "é", "\u{1680}x", "\u{feff}"];
        for &sp in &spaces {
            for a in edges {
                for b in edges {
                    for t in [
                        format!("{a}{sp}{b}"),
                        format!("{sp}{a}{b}"),
                        format!("{a}{b}{sp}"),
                        format!("{a}中{b}"),
                        format!("{sp}"),
                    ] {
                        assert_eq!(trim(&t), t.trim(), "{t:?}");
                    }
                }
            }
        }
    }

    /// The hand-made table of shop-chat characters that OpenCC's replaced: each still folds
    /// the same way.
    #[rustfmt::skip]
    const OLD_TABLE: &[(char, char)] = &[
        ('丟', '丢'), ('並', '并'), ('來', '来'), ('係', '系'), ('倉', '仓'), ('個', '个'), ('們', '们'), ('側', '侧'),
        ('偽', '伪'), ('備', '备'), ('傳', '传'), ('傷', '伤'), ('僅', '仅'), ('價', '价'), ('億', '亿'), ('儘', '尽'),
        ('償', '偿'), ('優', '优'), ('儲', '储'), ('兒', '儿'), ('內', '内'), ('兩', '两'), ('別', '别'), ('則', '则'),
        ('剛', '刚'), ('劃', '划'), ('動', '动'), ('務', '务'), ('勵', '励'), ('區', '区'), ('厲', '厉'), ('參', '参'),
        ('員', '员'), ('問', '问'), ('單', '单'), ('嗎', '吗'), ('嘗', '尝'), ('噸', '吨'), ('嚇', '吓'), ('嚴', '严'),
        ('國', '国'), ('圍', '围'), ('園', '园'), ('圓', '圆'), ('圖', '图'), ('團', '团'), ('場', '场'), ('塊', '块'),
        ('壓', '压'), ('壞', '坏'), ('夠', '够'), ('夾', '夹'), ('妳', '你'), ('媽', '妈'), ('嬰', '婴'), ('寢', '寝'),
        ('實', '实'), ('寧', '宁'), ('寫', '写'), ('寬', '宽'), ('寶', '宝'), ('專', '专'), ('對', '对'), ('導', '导'),
        ('層', '层'), ('帥', '帅'), ('師', '师'), ('帳', '账'), ('帶', '带'), ('幫', '帮'), ('幾', '几'), ('庫', '库'),
        ('廠', '厂'), ('廢', '废'), ('廣', '广'), ('張', '张'), ('彈', '弹'), ('後', '后'), ('從', '从'), ('愛', '爱'),
        ('態', '态'), ('慣', '惯'), ('慮', '虑'), ('慶', '庆'), ('憂', '忧'), ('憑', '凭'), ('憤', '愤'), ('應', '应'),
        ('懶', '懒'), ('懷', '怀'), ('戲', '戏'), ('戶', '户'), ('換', '换'), ('損', '损'), ('搶', '抢'), ('擇', '择'),
        ('擊', '击'), ('擔', '担'), ('據', '据'), ('擬', '拟'), ('擾', '扰'), ('數', '数'), ('於', '于'), ('時', '时'),
        ('暫', '暂'), ('曆', '历'), ('會', '会'), ('東', '东'), ('條', '条'), ('棄', '弃'), ('棟', '栋'), ('業', '业'),
        ('極', '极'), ('樂', '乐'), ('樓', '楼'), ('標', '标'), ('樣', '样'), ('機', '机'), ('權', '权'), ('歐', '欧'),
        ('歡', '欢'), ('歲', '岁'), ('歷', '历'), ('歸', '归'), ('殺', '杀'), ('氣', '气'), ('沒', '没'), ('涼', '凉'),
        ('淺', '浅'), ('減', '减'), ('測', '测'), ('湯', '汤'), ('準', '准'), ('溫', '温'), ('滌', '涤'), ('滿', '满'),
        ('漬', '渍'), ('漲', '涨'), ('濃', '浓'), ('濕', '湿'), ('濟', '济'), ('為', '为'), ('煩', '烦'), ('熱', '热'),
        ('燈', '灯'), ('猶', '犹'), ('獎', '奖'), ('獲', '获'), ('現', '现'), ('環', '环'), ('產', '产'), ('當', '当'),
        ('療', '疗'), ('癢', '痒'), ('發', '发'), ('盡', '尽'), ('確', '确'), ('碼', '码'), ('禮', '礼'), ('稅', '税'),
        ('種', '种'), ('積', '积'), ('穩', '稳'), ('節', '节'), ('範', '范'), ('簡', '简'), ('簽', '签'), ('籤', '签'),
        ('糾', '纠'), ('約', '约'), ('紅', '红'), ('紋', '纹'), ('紐', '纽'), ('純', '纯'), ('級', '级'), ('紛', '纷'),
        ('結', '结'), ('絡', '络'), ('給', '给'), ('絨', '绒'), ('絲', '丝'), ('經', '经'), ('綠', '绿'), ('綫', '线'),
        ('網', '网'), ('綸', '纶'), ('綿', '绵'), ('緊', '紧'), ('線', '线'), ('緣', '缘'), ('緻', '致'), ('縣', '县'),
        ('縫', '缝'), ('縮', '缩'), ('總', '总'), ('織', '织'), ('繫', '系'), ('罰', '罚'), ('罵', '骂'), ('義', '义'),
        ('聯', '联'), ('聲', '声'), ('職', '职'), ('聽', '听'), ('腦', '脑'), ('腳', '脚'), ('膚', '肤'), ('臉', '脸'),
        ('與', '与'), ('舉', '举'), ('舊', '旧'), ('舖', '铺'), ('艷', '艳'), ('華', '华'), ('萬', '万'), ('蓋', '盖'),
        ('薦', '荐'), ('藍', '蓝'), ('藥', '药'), ('蘋', '苹'), ('處', '处'), ('虛', '虚'), ('號', '号'), ('虧', '亏'),
        ('蠶', '蚕'), ('衛', '卫'), ('衝', '冲'), ('裏', '里'), ('補', '补'), ('裝', '装'), ('裡', '里'), ('製', '制'),
        ('褲', '裤'), ('襠', '裆'), ('襪', '袜'), ('襯', '衬'), ('見', '见'), ('規', '规'), ('視', '视'), ('親', '亲'),
        ('覺', '觉'), ('觀', '观'), ('訂', '订'), ('計', '计'), ('訊', '讯'), ('記', '记'), ('許', '许'), ('評', '评'),
        ('詢', '询'), ('試', '试'), ('話', '话'), ('該', '该'), ('詳', '详'), ('認', '认'), ('語', '语'), ('誠', '诚'),
        ('誤', '误'), ('說', '说'), ('誰', '谁'), ('調', '调'), ('請', '请'), ('論', '论'), ('諮', '咨'), ('講', '讲'),
        ('謝', '谢'), ('謹', '谨'), ('證', '证'), ('議', '议'), ('護', '护'), ('讀', '读'), ('變', '变'), ('讓', '让'),
        ('讚', '赞'), ('豔', '艳'), ('貝', '贝'), ('負', '负'), ('貨', '货'), ('責', '责'), ('貴', '贵'), ('買', '买'),
        ('費', '费'), ('貼', '贴'), ('賠', '赔'), ('賣', '卖'), ('質', '质'), ('賬', '账'), ('賴', '赖'), ('賺', '赚'),
        ('購', '购'), ('贈', '赠'), ('贊', '赞'), ('車', '车'), ('較', '较'), ('輕', '轻'), ('輛', '辆'), ('輸', '输'),
        ('轉', '转'), ('辦', '办'), ('這', '这'), ('連', '连'), ('週', '周'), ('進', '进'), ('運', '运'), ('過', '过'),
        ('達', '达'), ('遞', '递'), ('遠', '远'), ('適', '适'), ('遲', '迟'), ('選', '选'), ('遺', '遗'), ('還', '还'),
        ('邊', '边'), ('郵', '邮'), ('鄉', '乡'), ('醫', '医'), ('釘', '钉'), ('針', '针'), ('釦', '扣'), ('鈕', '钮'),
        ('銀', '银'), ('銷', '销'), ('鋪', '铺'), ('鋼', '钢'), ('錄', '录'), ('錢', '钱'), ('錯', '错'), ('錶', '表'),
        ('鎮', '镇'), ('鏈', '链'), ('鏡', '镜'), ('鐘', '钟'), ('鐵', '铁'), ('鑽', '钻'), ('長', '长'), ('門', '门'),
        ('閉', '闭'), ('開', '开'), ('間', '间'), ('關', '关'), ('陣', '阵'), ('陽', '阳'), ('階', '阶'), ('際', '际'),
        ('隨', '随'), ('險', '险'), ('隻', '只'), ('雖', '虽'), ('雙', '双'), ('雜', '杂'), ('離', '离'), ('難', '难'),
        ('電', '电'), ('靚', '靓'), ('靜', '静'), ('韓', '韩'), ('響', '响'), ('頁', '页'), ('頂', '顶'), ('項', '项'),
        ('預', '预'), ('領', '领'), ('頭', '头'), ('頸', '颈'), ('頻', '频'), ('顆', '颗'), ('題', '题'), ('額', '额'),
        ('顏', '颜'), ('類', '类'), ('顧', '顾'), ('顯', '显'), ('風', '风'), ('飯', '饭'), ('飾', '饰'), ('餅', '饼'),
        ('餘', '余'), ('餵', '喂'), ('馬', '马'), ('騙', '骗'), ('驗', '验'), ('髒', '脏'), ('體', '体'), ('髮', '发'),
        ('鬆', '松'), ('鬧', '闹'), ('鮮', '鲜'), ('鴨', '鸭'), ('鵝', '鹅'), ('麗', '丽'), ('麵', '面'), ('麼', '么'),
        ('麽', '么'), ('黃', '黄'), ('點', '点'), ('齡', '龄'),
    ];

    #[test]
    fn the_characters_of_the_old_table_fold_as_they_did() {
        let changed: Vec<String> = OLD_TABLE
            .iter()
            .filter(|&&(t, s)| normalize_char(t) != s)
            .map(|&(t, s)| format!("{t}→{s} became {}", normalize_char(t)))
            .collect();
        assert!(changed.is_empty(), "{changed:?}");
    }

    #[test]
    fn the_fold_is_one_for_one_and_not_chained() {
        let pairs: Vec<(char, char)> = TRAD_FOLD.pairs().collect();
        // OpenCC's table has some 3,600 characters of the CJK block.
        assert!(pairs.len() > 3000, "{}", pairs.len());
        assert_eq!(TRAD_FOLD.simp.len(), pairs.len());
        for &(t, s) in &pairs {
            assert_ne!(t, s);
            assert!(TRAD_FOLD.is_traditional(t as u32));
            assert_eq!(TRAD_FOLD.get(s), None, "{t}→{s}, and {s} folds again");
            assert_eq!(
                normalize(&normalize(&t.to_string())),
                normalize(&t.to_string())
            );
        }
        for &(t, s) in FOLD_OVERRIDES {
            assert_eq!(TRAD_FOLD.get(t), Some(s));
        }
        // Simplified characters are left alone, and so are those that OpenCC keeps by default.
        for c in "请问这件衣服会缩水吗干覆瞭藉".chars() {
            assert_eq!(TRAD_FOLD.get(c), None, "{c}");
        }
        // A character that simplified text uses too folds to its commonest simplified form, on
        // both sides of a match alike.
        assert_eq!(normalize("乾淨，顯著"), "干净,显着");
    }

    #[test]
    fn the_table_follows_chains_and_takes_the_overrides() {
        // OpenCC's table has 薴 → 苧 and 苧 → 苎: both fold to the end of the chain.
        assert_eq!(TRAD_FOLD.get('薴'), Some('苎'));
        assert_eq!(TRAD_FOLD.get('苧'), Some('苎'));
        assert_eq!(TRAD_FOLD.get('苎'), None);
        // OpenCC has 帳 → 帐 and keeps 妳: the overrides win.
        assert_eq!(TRAD_FOLD.get('帳'), Some('账'));
        assert_eq!(TRAD_FOLD.get('妳'), Some('你'));
        assert_eq!(normalize("妳好，帳號"), "你好,账号");
        // OpenCC's 㑮 → 𫝈 is outside the CJK block, and no fold; nor is a simplified character.
        assert_eq!(TRAD_FOLD.get('㑮'), None);
        assert_eq!(normalize_char('㑮'), '㑮');
        assert_eq!(TRAD_FOLD.get('一'), None);
        // The ranks are right: the folds, by traditional code point, are `simp` in order.
        let simp: Vec<char> = TRAD_FOLD.pairs().map(|(_, s)| s).collect();
        assert_eq!(simp, TRAD_FOLD.simp);
    }

    /// What customers who write traditional characters type, and what it folds to.
    #[test]
    fn customer_traditional_phrases_fold_to_simplified() {
        let cases: &[(&str, &str)] = &[
            ("請問這件衣服會縮水嗎", "请问这件衣服会缩水吗"),
            ("有優惠嗎", "有优惠吗"),
            ("質量怎麼樣", "质量怎么样"),
            ("顏色跟圖片一樣嗎", "颜色跟图片一样吗"),
            ("什麼時候發貨", "什么时候发货"),
            ("尺碼偏大還是偏小", "尺码偏大还是偏小"),
            ("號碼寫錯了", "号码写错了"),
            ("運費誰出", "运费谁出"),
            ("我要退貨退款", "我要退货退款"),
            ("換貨要多久", "换货要多久"),
            ("幫我備註一下", "帮我备注一下"),
            ("物流單號查不到", "物流单号查不到"),
            ("買兩件能便宜點嗎", "买两件能便宜点吗"),
            ("門市有現貨嗎", "门市有现货吗"),
            ("這款褲子有黑色嗎", "这款裤子有黑色吗"),
            ("客服妳好，帳號登不進去", "客服你好,账号登不进去"),
            ("穿起來會不會癢", "穿起来会不会痒"),
            ("纖維成分是什麼", "纤维成分是什么"),
            ("贈品呢", "赠品呢"),
            ("評價返現", "评价返现"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), *want, "input {input:?}");
            assert_eq!(char_len(&normalize(input)), char_len(input));
        }
    }

    #[test]
    fn normalize_cases() {
        let cases: &[(&str, &str)] = &[
            ("１６２ｃｍ", "162cm"),
            ("ＸＬ码", "xl码"),
            ("亲，在吗？", "亲,在吗?"),
            ("好的。谢谢！", "好的.谢谢!"),
            ("身高：165；体重：55", "身高:165;体重:55"),
            ("（偏大）【包邮】", "(偏大)[包邮]"),
            ("“纯棉”‘好’", "\"纯棉\"'好'"),
            ("红色、白色～", "红色,白色~"),
            ("发货——快", "发货--快"),
            ("a\u{3000}b", "a b"),
            ("這個碼數", "这个码数"),
            ("請問還有貨嗎", "请问还有货吗"),
            ("寬鬆的褲子價錢多少", "宽松的裤子价钱多少"),
            ("謝謝親，優惠滿減", "谢谢亲,优惠满减"),
            ("寶寶兩歲", "宝宝两岁"),
            ("Hello WORLD", "hello world"),
            ("￥79", "￥79"),
            ("", ""),
            ("😀👍🏻", "😀👍🏻"),
        ];
        for (input, want) in cases {
            assert_eq!(normalize(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn normalize_keeps_char_count() {
        let s = "親，我１米６２，ＸＸＬ碼嗎？\u{3000}e\u{301}😀";
        assert_eq!(char_len(&normalize(s)), char_len(s));
    }

    #[test]
    fn phrase_search() {
        let hay = normalize("亲，這件衣服有貨嗎？");
        assert_eq!(contains_phrase(&hay, "有货"), Some(16..22));
        assert_eq!(contains_phrase(&hay, "没货"), None);
        assert_eq!(contains_phrase(&hay, ""), None);
    }

    #[test]
    fn chinese_numbers() {
        let cases: &[(&str, Option<u32>)] = &[
            ("九十八", Some(98)),
            ("一百", Some(100)),
            ("一百二", Some(120)),
            ("一百二十", Some(120)),
            ("一百二十五", Some(125)),
            ("一百零五", Some(105)),
            ("两百", Some(200)),
            ("十五", Some(15)),
            ("十", Some(10)),
            ("二十", Some(20)),
            ("一六二", Some(162)),
            ("一米", None),
            ("162", Some(162)),
            (" 98 ", Some(98)),
            ("一千五", Some(1500)),
            ("两万五", Some(25000)),
            ("三万二千", Some(32000)),
            ("零", Some(0)),
            ("", None),
            ("   ", None),
            ("十百", None),
            ("一二百", None),
            ("百", None),
            ("万一", None),
            ("千万", None),
            ("abc", None),
            ("99999999999", None),
            ("一万一万", None),
        ];
        for (input, want) in cases {
            assert_eq!(chinese_number(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn excerpts() {
        let s = "亲，您好，这件衣服是纯棉的，不会起球哦";
        let r = contains_phrase(s, "纯棉").unwrap_or(0..0);
        assert_eq!(excerpt(s, r.clone(), 2), "…服是纯棉的，…");
        assert_eq!(excerpt(s, r, 100), s);
        assert_eq!(excerpt(s, 0..3, 1), "亲，…");
        // Mid-character and out-of-range offsets are clamped.
        assert_eq!(excerpt(s, 1..2, 0), "亲…");
        assert_eq!(excerpt(s, 1000..2000, 1), "…哦");
        assert_eq!(excerpt(s, Range { start: 6, end: 3 }, 0), "…，…");
        assert_eq!(excerpt("", 0..5, 3), "");
        assert_eq!(char_len(s), 19);
        assert_eq!(char_len(""), 0);
    }

    #[test]
    fn robust_on_large_and_odd_input() {
        let big = "一".repeat(40_000) + &"９".repeat(10_000) + "\u{0}\u{FFFF}\u{10FFFF}";
        let n = normalize(&big);
        assert_eq!(char_len(&n), char_len(&big));
        assert_eq!(chinese_number(&big), None);
        assert_eq!(chinese_number(&"十".repeat(50_000)), None);
        let _ = excerpt(&big, 5..70_000, 10);
    }
}

/// Field labels of the order cards and notices that chat tools paste into a conversation.
const CARD_LABELS: &[&str] = &[
    "订单号",
    "订单编号",
    "商品",
    "下单时间",
    "状态",
    "实付",
    "数量",
    "收货地址",
    "物流单号",
    "付款时间",
    "规格",
    "订单金额",
];

/// A message without the order card pasted into it ("订单号：[订单1] 商品：男士纯棉短袖T恤 下单
/// 时间：… 状态：已付款 这个啥时候发" → "这个啥时候发"), or `None` when it holds no card: two
/// or more card labels followed by a colon. Everything from the first label to the end of the
/// last label's value (up to the next space) is the card.
pub fn without_cards(norm: &str) -> Option<String> {
    // Every card field has a colon (normalized to ASCII): most messages have none.
    if !norm.contains(':') {
        return None;
    }
    let mut fields: Vec<(usize, usize)> = Vec::new();
    for label in CARD_LABELS {
        for (at, _) in norm.match_indices(label) {
            let after = at + label.len();
            if norm[after..].starts_with(':') || norm[after..].starts_with('：') {
                fields.push((at, after));
            }
        }
    }
    if fields.len() < 2 {
        return None;
    }
    fields.sort();
    let start = fields.first()?.0;
    let last = fields.last()?.1;
    let value_start = last + norm[last..].chars().next().map_or(0, char::len_utf8);
    let end = norm[value_start..]
        .find([' ', '\n'])
        .map_or(norm.len(), |i| value_start + i);
    let mut own = String::with_capacity(norm.len() - (end - start));
    own.push_str(&norm[..start]);
    own.push_str(&norm[end..]);
    Some(own)
}

#[cfg(test)]
mod card_tests {
    #[test]
    fn pasted_order_cards_are_not_the_customers_words() {
        assert_eq!(
            super::without_cards(
                "订单号:[订单1] 商品:男士纯棉短袖t恤 下单时间:[日期1] 状态:已付款 这个啥时候发"
            )
            .as_deref(),
            Some(" 这个啥时候发")
        );
        assert_eq!(super::without_cards("这个纯棉的吗"), None);
        assert_eq!(super::without_cards("商品:xx"), None);
    }
}
