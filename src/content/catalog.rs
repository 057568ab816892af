//! The shop: policy, promotions, products and their size charts (`scenarios/catalog.toml`).

use serde::{Deserialize, Serialize};
use toml::Spanned;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub shop: Shop,
    #[serde(default)]
    pub promotions: Vec<Promotion>,
    /// Coupons a buyer claims and applies at checkout (店铺券, 新客券).
    #[serde(default)]
    pub coupons: Vec<Coupon>,
    #[serde(default)]
    pub products: Vec<Product>,
}

/// Shop policy: the limits of an agent's authority and the shipping rules.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    pub name: String,
    /// Yuan; an order at or above ships free.
    pub free_shipping_threshold: u32,
    /// Most yuan an agent may knock off one order on their own.
    pub max_discount: u32,
    /// A price drop within this many days of delivery is refunded.
    pub price_protection_days: u32,
    /// Most yuan an agent may give to soothe an after-sales problem.
    #[serde(default = "default_compensation")]
    pub max_compensation: u32,
    #[serde(default = "default_return_days")]
    pub return_days: u32,
    /// Extra yuan charged for cash on delivery.
    #[serde(default)]
    pub cod_surcharge: u32,
    /// Within this many yuan of a gift threshold the agent may add the gift.
    #[serde(default = "default_gift_reach")]
    pub gift_reach: u32,
    /// Hours from payment within which an order ships (48: ships within 48 h). None = not stated.
    #[serde(default)]
    pub ships_within_hours: Option<u32>,
    /// Hour of the day (0–23) before which an order paid today ships the same day (16:
    /// 16点前付款当天发). None = not stated.
    #[serde(default)]
    pub same_day_cutoff: Option<u32>,
    /// The courier the shop ships with, as its tracking pages name it (中通快递, 顺丰速运 …).
    /// None = not stated, and the panel says nothing of it rather than guess.
    #[serde(default)]
    pub courier: Option<String>,
    /// Usual days in transit, `[min, max]` (e.g. `[2, 5]`). None = not stated.
    #[serde(default)]
    pub delivery_days: Option<[u32; 2]>,
    /// Whether electronic invoices are available. None = not stated.
    #[serde(default)]
    pub invoice: Option<bool>,
    /// The platform the shop sells on, whose KPI definitions `kefu score` reports: taobao
    /// (also Tmall), jd or pdd. None = taobao.
    #[serde(default)]
    pub platform: Option<crate::qa::kpi::Platform>,
}

fn default_compensation() -> u32 {
    5
}
fn default_return_days() -> u32 {
    7
}
fn default_gift_reach() -> u32 {
    10
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PromotionKind {
    /// 满赠: spend the threshold, get a gift worth `value`.
    Gift,
    /// 满减: spend the threshold, get `value` yuan off.
    Discount,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Promotion {
    pub id: String,
    pub kind: PromotionKind,
    pub threshold: u32,
    pub value: u32,
    pub text: String,
}

/// A coupon the buyer claims (领券) and applies at checkout: `value` yuan off an order of
/// `threshold` yuan or more. It is the shop's own offer, open to every buyer, not a favour
/// of the agent's: quoting it gives nothing away.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Coupon {
    pub id: Spanned<String>,
    /// What the buyer sees on the coupon: 店铺券, 新客券 …
    pub name: String,
    /// Yuan an order must reach; 0 = no threshold (无门槛).
    #[serde(default)]
    pub threshold: u32,
    /// Yuan off.
    pub value: u32,
    /// Where to claim it and its limits, shown to the agent ("商品页领取，每个账号限用一张").
    #[serde(default)]
    pub note: String,
}

impl Coupon {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub id: Spanned<String>,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub category: String,
    pub price: f64,
    #[serde(default)]
    pub pairs_with: Vec<Spanned<String>>,
    #[serde(default)]
    pub material: Option<String>,
    #[serde(default)]
    pub facts: Vec<String>,
    #[serde(default)]
    pub colors: Vec<String>,
    #[serde(default)]
    pub sizes: Vec<SizeRow>,
    /// Structured facts the scoring engine checks an agent's claims against.
    #[serde(default)]
    pub spec: Spec,
}

/// A product's facts in a form the engine can check claims against (`[products.spec]`).
///
/// Every field is optional: `None` or empty means the catalog does not say, and a claim about
/// an unstated fact is neither confirmed nor contradicted.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The fabric's trade name: 雪纺, 针织, 牛仔, 府绸, 摇粒绒... None = not stated.
    #[serde(default)]
    pub fabric: Option<String>,
    /// Fibre composition; empty = not stated. Percentages add up to 100 (validated, ±1).
    /// Of the outer fabric when the lining differs; of the filling for down garments
    /// (白鸭绒 at the down content, 含绒量, and 白鸭毛 for the rest).
    #[serde(default)]
    pub fibres: Vec<Fibre>,
    /// Has a lining (里布, 内衬; a fleece inside, 加绒, counts).
    #[serde(default)]
    pub lining: Option<bool>,
    #[serde(default)]
    pub see_through: Option<SeeThrough>,
    #[serde(default)]
    pub care: Care,
    /// The fabric gives (弹力 or 微弹 on a listing: elastane, or a knit); an elastic waistband
    /// alone does not count.
    #[serde(default)]
    pub stretch: Option<bool>,
    /// Variants that are sold out.
    #[serde(default)]
    pub out_of_stock: Vec<Variant>,
}

/// One fibre of a composition: `{ fibre = "棉", percent = 92 }`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fibre {
    /// A normalized name: 棉, 聚酯纤维, 氨纶, 羊毛, 粘纤, 锦纶, 腈纶, 麻, 白鸭绒, 白鸭毛, 牛皮, 不锈钢 ...
    pub fibre: String,
    pub percent: f32,
}

/// Whether the fabric shows what is under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeeThrough {
    /// 不透.
    No,
    /// 微透: light colours show a little; a nude underlayer is enough.
    Slight,
    /// 透: needs something under it.
    Yes,
}

/// Washing instructions, as the care label gives them. None = not stated.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Care {
    #[serde(default)]
    pub machine_wash: Option<bool>,
    #[serde(default)]
    pub hand_wash: Option<bool>,
    #[serde(default)]
    pub tumble_dry: Option<bool>,
    #[serde(default)]
    pub dry_clean_only: Option<bool>,
    /// Hottest water allowed, in °C.
    #[serde(default)]
    pub max_water_c: Option<u32>,
}

/// A colour, a size or both; a missing part means every colour (or size).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    #[serde(default)]
    pub color: Option<String>,
    #[serde(default)]
    pub size: Option<String>,
}

/// One row of a size chart; ranges are inclusive.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SizeRow {
    pub size: Spanned<String>,
    pub height: Spanned<[f32; 2]>,
    #[serde(default)]
    pub weight: Option<Spanned<[f32; 2]>>,
}

impl SizeRow {
    pub fn name(&self) -> &str {
        self.size.get_ref()
    }

    /// Whether a buyer of these measurements fits this row. A missing weight is not held
    /// against a row that has one: the height alone decides then.
    pub fn fits(&self, height_cm: f32, weight_kg: Option<f32>) -> bool {
        let [h_lo, h_hi] = *self.height.get_ref();
        if height_cm < h_lo || height_cm > h_hi {
            return false;
        }
        match (&self.weight, weight_kg) {
            (Some(range), Some(w)) => {
                let [w_lo, w_hi] = *range.get_ref();
                w >= w_lo && w <= w_hi
            }
            _ => true,
        }
    }
}

/// Categories whose products are garments (see [`Product::is_garment`]).
pub const GARMENT_CATEGORIES: &[&str] =
    &["top", "bottom", "dress", "outerwear", "kids", "underwear"];

impl Product {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }

    pub fn is_sized(&self) -> bool {
        !self.sizes.is_empty()
    }

    /// Sized by height alone (children's clothing).
    pub fn sized_by_height_only(&self) -> bool {
        self.is_sized() && self.sizes.iter().all(|r| r.weight.is_none())
    }

    /// Every size the chart gives for these measurements (more than one inside an overlap).
    ///
    /// Adults are matched on height and weight, but buyers' builds rarely sit in one row on both,
    /// so when no row fits both, the weight decides (charts agree that weight matters more
    /// for fit); children's charts go by height alone.
    pub fn sizes_for(&self, height_cm: Option<f32>, weight_kg: Option<f32>) -> Vec<&str> {
        let both: Vec<&str> = match height_cm {
            Some(h) => self
                .sizes
                .iter()
                .filter(|r| r.fits(h, weight_kg))
                .map(SizeRow::name)
                .collect(),
            None => Vec::new(),
        };
        if !both.is_empty() {
            return both;
        }
        match weight_kg {
            Some(w) => self
                .sizes
                .iter()
                .filter(|r| {
                    r.weight.as_ref().is_some_and(|range| {
                        let [lo, hi] = *range.get_ref();
                        w >= lo && w <= hi
                    })
                })
                .map(SizeRow::name)
                .collect(),
            None => Vec::new(),
        }
    }

    /// Position of a size in the chart, to tell neighbouring sizes apart.
    pub fn size_index(&self, size: &str) -> Option<usize> {
        self.sizes.iter().position(|r| r.name() == size)
    }

    /// Whether the product is a garment, decided by its category: its `material` is then a
    /// fabric (面料). Anything else (accessories, shoes, home goods) is made of a 材质, as
    /// listings label them: "内胆316不锈钢" is no fabric.
    pub fn is_garment(&self) -> bool {
        GARMENT_CATEGORIES.contains(&self.category.as_str())
    }

    /// All names a buyer or agent may use for the product.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

impl Catalog {
    pub fn product(&self, id: &str) -> Option<&Product> {
        self.products.iter().find(|p| p.id() == id)
    }
}
