//! What an agent's reply showed: the signals that drive the simulated customer's next turn.

use std::fmt;

use serde::{Deserialize, Serialize};

macro_rules! signals {
    ($($variant:ident => $name:literal, $zh:literal;)*) => {
        /// A fact about one reply, worked out by the scoring engine.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Signal { $($variant,)* }

        impl Signal {
            pub const ALL: &'static [Signal] = &[$(Signal::$variant,)*];

            /// The name used in scenario files.
            pub fn name(self) -> &'static str {
                match self { $(Signal::$variant => $name,)* }
            }

            /// A short Chinese description for coaching output.
            pub fn chinese(self) -> &'static str {
                match self { $(Signal::$variant => $zh,)* }
            }

            pub fn parse(s: &str) -> Option<Signal> {
                match s { $($name => Some(Signal::$variant),)* _ => None }
            }
        }
    };
}

signals! {
    Greeted => "greeted", "礼貌招呼";
    AskedQuestion => "asked-question", "提问了解需求";
    GaveDefiniteSize => "gave-definite-size", "给出明确尺码";
    GaveWrongSize => "gave-wrong-size", "尺码推荐错误";
    SizeTooSmall => "size-too-small", "推荐的尺码偏小";
    SizeTooBig => "size-too-big", "推荐的尺码偏大";
    SentToSizeChart => "sent-to-size-chart", "让顾客自己看尺码表";
    Hedged => "hedged", "含糊其辞";
    RecommendedAddOn => "recommended-add-on", "连带推荐";
    MentionedPromotion => "mentioned-promotion", "提到优惠活动";
    ConcededDiscount => "conceded-discount", "让价";
    OverAuthority => "over-authority", "超出权限的承诺";
    HeldPrice => "held-price", "守住价格并讲价值";
    GaveProductFacts => "gave-product-facts", "给出具体商品信息";
    Apologised => "apologised", "道歉";
    OfferedSolution => "offered-solution", "给出解决方案";
    GaveTime => "gave-time", "给出时间承诺";
    BlamedOther => "blamed-other", "推卸责任";
    BrushedOff => "brushed-off", "敷衍拒绝";
    Thanked => "thanked", "致谢告别";
    RedLine => "red-line", "触碰红线";
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A small set of signals (fits in a word; cheap to copy and compare).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Signals(u32);

impl Signals {
    pub fn insert(&mut self, s: Signal) {
        self.0 |= 1 << (s as u32);
    }
    pub fn remove(&mut self, s: Signal) {
        self.0 &= !(1 << (s as u32));
    }
    pub fn contains(self, s: Signal) -> bool {
        self.0 & (1 << (s as u32)) != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    pub fn iter(self) -> impl Iterator<Item = Signal> {
        Signal::ALL
            .iter()
            .copied()
            .filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Signal> for Signals {
    fn from_iter<I: IntoIterator<Item = Signal>>(iter: I) -> Self {
        let mut set = Signals::default();
        for s in iter {
            set.insert(s);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in Signal::ALL {
            assert_eq!(Signal::parse(s.name()), Some(*s));
        }
        let set: Signals = [Signal::Apologised, Signal::GaveTime].into_iter().collect();
        assert!(set.contains(Signal::GaveTime));
        assert!(!set.contains(Signal::RedLine));
        assert_eq!(set.iter().count(), 2);
    }
}
