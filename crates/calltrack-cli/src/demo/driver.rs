//! The demo's driver: plays every outside party (visitors and the snippet, Twilio, the business
//! calling back, the CRM, the marketer's cost upload) through the router, in time order.

use super::traffic::*;
use super::*;

/// The generator's own count per channel, kept apart from anything read from the store.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Tally {
    pub calls: i64,
    pub answered: i64,
    pub missed: i64,
    pub deals: i64,
    pub revenue_minor: i64,
    pub cost_minor: i64,
}

/// Something that happens at a time: the heap runs them in order.
pub(super) enum Action {
    Visit { channel: usize },
    Renew { lease_id: String, left: u32 },
    Intent { lease_id: String },
    Call(Box<PlannedCall>),
    Event { params: Vec<(String, String)> },
    Deal { body: serde_json::Value },
}

pub(super) struct PlannedCall {
    channel: String,
    to: PhoneNumber,
    from: PhoneNumber,
    outbound: bool,
    /// The manager's softphone a call-back is placed from (`client:<name>`).
    agent: Option<&'static str>,
}

pub(super) struct Sim {
    pub(super) router: Router,
    pub(super) clock: ManualClock,
    pub(super) rng: ChaCha8Rng,
    pub(super) heap: BinaryHeap<Reverse<(DateTime<Utc>, u64)>>,
    pub(super) actions: BTreeMap<u64, Action>,
    pub(super) seq: u64,
    pub(super) callers: Vec<PhoneNumber>,
    pub(super) tallies: BTreeMap<String, Tally>,
    pub(super) start: DateTime<Utc>,
    pub(super) end: DateTime<Utc>,
    pub(super) statics: Vec<(String, PhoneNumber)>,
    pub(super) business_line: PhoneNumber,
    pub(super) requests: u64,
}

impl Sim {
    fn at(&mut self, t: DateTime<Utc>, a: Action) {
        self.seq += 1;
        self.heap.push(Reverse((t, self.seq)));
        self.actions.insert(self.seq, a);
    }

    /// Who takes a call: the demo's managers, the first busiest.
    fn manager(&mut self) -> &'static str {
        let r: f64 = self.rng.gen();
        manager_at(r)
    }

    fn in_hour(&mut self, day: NaiveDate, hour: u32) -> DateTime<Utc> {
        let base = day.and_hms_opt(hour, 0, 0).unwrap_or_default().and_utc();
        base + Duration::seconds(self.rng.gen_range(0..3600))
    }

    /// Schedules every visit and every static-number call of the period.
    pub(super) fn plan_days(&mut self, from: NaiveDate, until: NaiveDate) {
        let mut day = from;
        while day <= until {
            for h in 0..24 {
                let visits = Poisson::new(140.0 * hour_weight(h))
                    .map(|p| p.sample(&mut self.rng) as u32)
                    .unwrap_or(0);
                for _ in 0..visits {
                    let t = self.in_hour(day, h);
                    let r: f64 = self.rng.gen();
                    let mut acc = 0.0;
                    let channel = WEB.iter().position(|c| {
                        acc += c.share;
                        r < acc
                    });
                    self.at(
                        t,
                        Action::Visit {
                            channel: channel.unwrap_or(WEB.len() - 1),
                        },
                    );
                }
                for (i, (_, per_day, _)) in STATIC.iter().enumerate() {
                    let rate = per_day * hour_weight(h);
                    let n = Poisson::new(rate)
                        .map(|p| p.sample(&mut self.rng) as u32)
                        .unwrap_or(0);
                    for _ in 0..n {
                        let t = self.in_hour(day, h);
                        let (source, number) = self.statics[i].clone();
                        let from = self.caller();
                        self.at(
                            t,
                            Action::Call(Box::new(PlannedCall {
                                channel: source,
                                to: number,
                                from,
                                outbound: false,
                                agent: None,
                            })),
                        );
                    }
                }
            }
            day += Duration::days(1);
        }
    }

    /// A customer's number: mostly new, sometimes someone who called before.
    fn caller(&mut self) -> PhoneNumber {
        if !self.callers.is_empty() && self.rng.gen_bool(0.12) {
            return self
                .callers
                .choose(&mut self.rng)
                .cloned()
                .expect("non-empty");
        }
        loop {
            let area = ["212", "312", "646", "718", "917", "415"]
                .choose(&mut self.rng)
                .copied()
                .unwrap_or("212");
            let s = format!(
                "+1{area}{}{:06}",
                self.rng.gen_range(2..10),
                self.rng.gen_range(0..1_000_000)
            );
            if let Ok(p) = PhoneNumber::parse(&s, None) {
                self.callers.push(p.clone());
                return p;
            }
        }
    }

    pub(super) async fn run(&mut self) -> Result<(), Failure> {
        let horizon = self.end + Duration::days(7);
        while let Some(Reverse((t, seq))) = self.heap.pop() {
            let Some(action) = self.actions.remove(&seq) else {
                continue;
            };
            if t > horizon {
                continue;
            }
            self.clock.set(t);
            match action {
                Action::Visit { channel } => self.visit(t, channel).await?,
                Action::Renew { lease_id, left } => {
                    let (st, _) = self
                        .post(
                            &format!("/v1/leases/{lease_id}/renew"),
                            "text/plain",
                            site_origin(),
                            b"{}".to_vec(),
                        )
                        .await?;
                    if st.is_success() && left > 0 {
                        self.at(
                            t + Duration::minutes(2),
                            Action::Renew {
                                lease_id,
                                left: left - 1,
                            },
                        );
                    }
                }
                Action::Intent { lease_id } => {
                    let body = json!({"kind": "tap"}).to_string().into_bytes();
                    self.post(
                        &format!("/v1/leases/{lease_id}/intent"),
                        "text/plain",
                        site_origin(),
                        body,
                    )
                    .await?;
                }
                Action::Call(c) => self.call(t, *c),
                Action::Event { params } => self.twilio(params).await?,
                Action::Deal { body } => self.deal(body).await?,
            }
        }
        Ok(())
    }

    /// A visitor lands, leases a number, keeps the page open for a while, and may call.
    async fn visit(&mut self, t: DateTime<Utc>, channel: usize) -> Result<(), Failure> {
        let ch = &WEB[channel];
        let v = self.rng.gen::<u64>();
        let visitor = format!("v{v:016x}");
        // What the snippet reads from the page and its cookies, drawn from the visitor's own
        // bits so the traffic's random sequence (and so the demo's figures) stays as it was.
        let bits = |shift: u32, n: usize| ((v >> shift) as usize) % n.max(1);
        let landing = LANDINGS[bits(8, LANDINGS.len())];
        let page = format!("https://demo-plumbing.example{landing}");
        let mut body = json!({"site_key": "demo-site", "visitor_id": visitor, "page_url": page});
        if bits(16, 10) < 7 {
            body["ym_client_id"] = json!(format!(
                "{}{:09}",
                1_700_000_000 + (v >> 40),
                v % 1_000_000_000
            ));
        }
        if bits(20, 10) < 8 {
            body["ga_client_id"] = json!(format!(
                "{}.{}",
                (v >> 33) % 2_000_000_000,
                1_700_000_000 + (v >> 48)
            ));
            body["ga_session_id"] = json!(format!("{}", 1_760_000_000 + (v >> 36) % 10_000_000));
        }
        if let Some((s, m)) = ch.utm {
            let weights = campaigns(ch.channel);
            let total: u64 = weights.iter().map(|(_, w)| w).sum();
            let mut pick = (v >> 24) % total.max(1);
            let campaign = weights
                .iter()
                .find(|(_, w)| {
                    let hit = pick < *w;
                    pick = pick.saturating_sub(*w);
                    hit
                })
                .map_or("spring", |(c, _)| c);
            body["page_url"] = json!(format!(
                "{page}?utm_source={s}&utm_medium={m}&utm_campaign={campaign}"
            ));
            body["utm_source"] = json!(s);
            body["utm_medium"] = json!(m);
            body["utm_campaign"] = json!(campaign);
            if m == "cpc" {
                body["utm_term"] = json!(KEYWORDS[bits(28, KEYWORDS.len())]);
            }
            match s {
                "google" => body["gclid"] = json!(format!("Cj0KCQiA{v:016x}EAAYASAAEgK")),
                "yandex" => body["yclid"] = json!(format!("{}", v % 10_000_000_000_000_000)),
                _ => {}
            }
        }
        if let Some(r) = ch.referrer {
            body["referrer"] = json!(r);
        }
        let headers = site_origin();
        // Each simulated visitor comes from an address of its own, as real ones do, so the
        // per-source lease limit sees the demo's traffic as it would see a site's.
        let source = std::net::IpAddr::V4(std::net::Ipv4Addr::from(self.rng.gen::<u32>()));
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/v1/leases")
            .header("content-type", "text/plain");
        for (k, v) in headers {
            req = req.header(k, v);
        }
        let mut req = req
            .body(Body::from(body.to_string().into_bytes()))
            .map_err(anyhow::Error::from)?;
        req.extensions_mut()
            .insert(calltrack::http::Source(Some(source)));
        let (st, resp) = self.send(req).await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "lease refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        let lease: serde_json::Value =
            serde_json::from_slice(&resp).map_err(anyhow::Error::from)?;
        let number = lease
            .get("number")
            .and_then(|n| n.as_str())
            .and_then(|n| PhoneNumber::parse(n, None).ok());
        let lease_id = lease
            .get("lease_id")
            .and_then(|l| l.as_str())
            .map(str::to_string);
        let minutes: f64 = LogNormal::new(1.4, 0.7)
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(4.0);
        let minutes = minutes.clamp(0.5, 60.0);
        let stay = Duration::seconds((minutes * 60.0) as i64);
        if let Some(id) = &lease_id {
            let beats = (minutes / 2.0) as u32;
            if beats > 0 {
                self.at(
                    t + Duration::minutes(2),
                    Action::Renew {
                        lease_id: id.clone(),
                        left: beats - 1,
                    },
                );
            }
        }
        let (Some(number), true) = (number, self.rng.gen_bool(ch.call_rate)) else {
            return Ok(());
        };
        let when = if self.rng.gen_bool(0.75) {
            let at = t + Duration::seconds(self.rng.gen_range(10..(stay.num_seconds().max(11))));
            if let (Some(id), true) = (&lease_id, self.rng.gen_bool(0.5)) {
                self.at(
                    at - Duration::seconds(5),
                    Action::Intent {
                        lease_id: id.clone(),
                    },
                );
            }
            at
        } else {
            t + stay + Duration::minutes(self.rng.gen_range(2..90))
        };
        let from = self.caller();
        self.at(
            when,
            Action::Call(Box::new(PlannedCall {
                channel: ch.channel.into(),
                to: number,
                from,
                outbound: false,
                agent: None,
            })),
        );
        Ok(())
    }

    /// Plans a call's webhooks (Twilio status callbacks), a call-back for missed calls, a deal.
    fn call(&mut self, t: DateTime<Utc>, c: PlannedCall) {
        let sid = format!("CA{:032x}", self.rng.gen::<u128>());
        let counted = !c.outbound && t >= self.start && t < self.end;
        let r: f64 = self.rng.gen();
        let ring = self.rng.gen_range(4..25);
        let (status, talk) = if c.outbound {
            if r < 0.8 {
                ("completed", self.rng.gen_range(40..400))
            } else {
                ("no-answer", 0)
            }
        } else if r < 0.68 {
            (
                "completed",
                LogNormal::new(5.0, 0.8)
                    .map(|d| d.sample(&mut self.rng) as i64)
                    .unwrap_or(120)
                    .clamp(15, 3600),
            )
        } else if r < 0.75 {
            ("completed", self.rng.gen_range(2..9))
        } else {
            (
                ["no-answer", "no-answer", "busy", "canceled"]
                    .choose(&mut self.rng)
                    .copied()
                    .unwrap_or("no-answer"),
                0,
            )
        };
        let (from, to) = (
            c.agent
                .map(|a| format!("client:{a}"))
                .unwrap_or_else(|| c.from.as_str().to_string()),
            c.to.clone(),
        );
        let direction = if c.outbound {
            "outbound-api"
        } else {
            "inbound"
        };
        let base = |status: &str, seq: u32| {
            vec![
                (
                    "AccountSid".to_string(),
                    "ACdemo0000000000000000000000000000".to_string(),
                ),
                ("CallSid".into(), sid.clone()),
                ("From".into(), from.clone()),
                ("To".into(), to.as_str().into()),
                ("Direction".into(), direction.into()),
                ("CallStatus".into(), status.into()),
                ("SequenceNumber".into(), seq.to_string()),
            ]
        };
        self.at(
            t,
            Action::Event {
                params: with_time(base("ringing", 0), t),
            },
        );
        let end = t + Duration::seconds(ring + talk);
        if status == "completed" {
            let answered = t + Duration::seconds(ring);
            self.at(
                answered,
                Action::Event {
                    params: with_time(base("in-progress", 1), answered),
                },
            );
            if !c.outbound {
                // The manager's softphone answers the forwarded leg (`<Dial><Client>`).
                let leg = vec![
                    (
                        "AccountSid".to_string(),
                        "ACdemo0000000000000000000000000000".to_string(),
                    ),
                    (
                        "CallSid".into(),
                        format!("CA{:032x}", self.rng.gen::<u128>()),
                    ),
                    ("ParentCallSid".into(), sid.clone()),
                    ("From".into(), from.clone()),
                    ("To".into(), format!("client:{}", self.manager())),
                    ("Direction".into(), "outbound-dial".into()),
                    ("CallStatus".into(), "in-progress".into()),
                    ("SequenceNumber".into(), "0".into()),
                ];
                self.at(
                    answered,
                    Action::Event {
                        params: with_time(leg, answered),
                    },
                );
            }
            let mut p = base("completed", 2);
            p.push(("CallDuration".into(), talk.to_string()));
            self.at(
                end,
                Action::Event {
                    params: with_time(p, end),
                },
            );
        } else {
            if !c.outbound {
                // The forwarded leg rang a manager's softphone in vain (`<Dial><Client>` ending
                // no-answer, busy or canceled): the call counts as missed by that manager. Who
                // is read off the call's sid, so the demo's random stream stays as it was.
                let r = f64::from(u16::from_str_radix(&sid[2..6], 16).unwrap_or(0)) / 65536.0;
                let leg = vec![
                    (
                        "AccountSid".to_string(),
                        "ACdemo0000000000000000000000000000".to_string(),
                    ),
                    ("CallSid".into(), format!("CL{}", &sid[2..])),
                    ("ParentCallSid".into(), sid.clone()),
                    ("From".into(), from.clone()),
                    ("To".into(), format!("client:{}", manager_at(r))),
                    ("Direction".into(), "outbound-dial".into()),
                    ("CallStatus".into(), status.into()),
                    ("SequenceNumber".into(), "0".into()),
                ];
                self.at(
                    end,
                    Action::Event {
                        params: with_time(leg, end),
                    },
                );
            }
            let mut p = base(status, 1);
            p.push(("CallDuration".into(), "0".into()));
            self.at(
                end,
                Action::Event {
                    params: with_time(p, end),
                },
            );
        }
        if c.outbound {
            return;
        }
        let short = status == "completed" && talk < 10;
        if counted {
            let tally = self.tallies.entry(c.channel.clone()).or_default();
            tally.calls += 1;
            if status == "completed" {
                tally.answered += 1;
            } else {
                tally.missed += 1;
            }
        }
        if status != "completed" {
            // The business calls back: mostly inside the 30-minute SLA, some too late, some never.
            let k: f64 = self.rng.gen();
            let delay = if k < 0.55 {
                Some(self.rng.gen_range(3..25))
            } else if k < 0.7 {
                Some(self.rng.gen_range(60..240))
            } else {
                None
            };
            if let Some(m) = delay {
                let back = PlannedCall {
                    channel: c.channel.clone(),
                    to: c.from.clone(),
                    from: self.business_line.clone(),
                    outbound: true,
                    agent: Some(self.manager()),
                };
                self.at(end + Duration::minutes(m), Action::Call(Box::new(back)));
            }
            return;
        }
        let (odds, mean) = deal_odds(&c.channel);
        if short || !self.rng.gen_bool(odds) {
            return;
        }
        let amount = (LogNormal::new(mean.ln(), 0.4)
            .map(|d| d.sample(&mut self.rng))
            .unwrap_or(mean)
            * 100.0)
            .round() as i64;
        let deal_id = format!("D-{:x}", self.rng.gen::<u64>());
        let link = if self.rng.gen_bool(0.5) {
            json!({"call_id": CallId::derive(&TenantId::parse(TENANT).expect("valid"), Provider::Twilio, &sid)})
        } else {
            json!({"phone": c.from.as_str()})
        };
        let created = end + Duration::minutes(self.rng.gen_range(10..120));
        let mut open = json!({"event_id": format!("{deal_id}-open"), "deal_id": deal_id, "status": "open",
            "amount": format!("{}.{:02}", amount / 100, amount % 100), "currency": "USD", "at": created});
        merge_json(&mut open, &link);
        self.at(created, Action::Deal { body: open.clone() });
        let closed = created + Duration::hours(self.rng.gen_range(4..96));
        let won = self.rng.gen_bool(0.6);
        let mut close = open.clone();
        close["event_id"] = json!(format!("{deal_id}-close"));
        close["status"] = json!(if won { "won" } else { "lost" });
        close["at"] = json!(closed);
        self.at(closed, Action::Deal { body: close });
        if won && counted && closed <= self.end + Duration::days(7) {
            let tally = self.tallies.entry(c.channel).or_default();
            tally.deals += 1;
            tally.revenue_minor += amount;
        }
    }

    async fn twilio(&mut self, params: Vec<(String, String)>) -> Result<(), Failure> {
        let path = format!("/v1/hooks/{TENANT}/twilio");
        let sig = telephony::twilio::sign(&format!("{BASE_URL}{path}"), &params, TWILIO_TOKEN);
        let body = serde_urlencoded::to_string(&params)
            .map_err(anyhow::Error::from)?
            .into_bytes();
        let headers = vec![("x-twilio-signature".to_string(), sig)];
        let (st, resp) = self
            .post(&path, "application/x-www-form-urlencoded", headers, body)
            .await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "twilio webhook refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        Ok(())
    }

    async fn deal(&mut self, body: serde_json::Value) -> Result<(), Failure> {
        let bytes = body.to_string().into_bytes();
        let sig = telephony::signature::generic_header_value(CRM_SECRET, &bytes);
        let (st, resp) = self
            .post(
                &format!("/v1/hooks/{TENANT}/crm"),
                "application/json",
                vec![("x-signature".into(), sig)],
                bytes,
            )
            .await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "CRM webhook refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        Ok(())
    }

    /// The marketer's daily ad spend, uploaded as CSV through the tenant API.
    pub(super) async fn upload_costs(
        &mut self,
        api_key: &str,
        from: NaiveDate,
        until: NaiveDate,
    ) -> Result<(), Failure> {
        let mut csv = String::from("date,channel,campaign,cost,currency\n");
        let mut day = from;
        while day <= until {
            for ch in WEB.iter().filter(|c| c.daily_cost.1 > 0.0) {
                let cents =
                    (self.rng.gen_range(ch.daily_cost.0..ch.daily_cost.1) * 100.0).round() as i64;
                // The day's spend split over the channel's campaigns by their share; the last
                // takes the remainder, so the rows add up to the day's spend exactly.
                let weights = campaigns(ch.channel);
                let total: u64 = weights.iter().map(|(_, w)| w).sum::<u64>().max(1);
                let mut left = cents;
                for (i, (campaign, w)) in weights.iter().enumerate() {
                    let part = if i + 1 == weights.len() {
                        left
                    } else {
                        cents * *w as i64 / total as i64
                    };
                    left -= part;
                    csv.push_str(&format!(
                        "{day},{},{campaign},{}.{:02},USD\n",
                        ch.channel,
                        part / 100,
                        part % 100
                    ));
                }
                self.tallies
                    .entry(ch.channel.into())
                    .or_default()
                    .cost_minor += cents;
            }
            for (source, _, cost) in STATIC {
                let cents = (cost * 100.0) as i64;
                csv.push_str(&format!(
                    "{day},{source},,{}.{:02},USD\n",
                    cents / 100,
                    cents % 100
                ));
                self.tallies.entry(source.into()).or_default().cost_minor += cents;
            }
            day += Duration::days(1);
        }
        let req = Request::builder()
            .method(Method::PUT)
            .uri("/v1/costs")
            .header("content-type", "text/csv")
            .header("authorization", format!("Bearer {api_key}"))
            .body(Body::from(csv))
            .map_err(anyhow::Error::from)?;
        let (st, resp) = self.send(req).await?;
        if !st.is_success() {
            return Err(Failure::Other(anyhow::anyhow!(
                "cost import refused ({st}): {}",
                String::from_utf8_lossy(&resp)
            )));
        }
        Ok(())
    }

    async fn post(
        &mut self,
        path: &str,
        content_type: &str,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<(StatusCode, Vec<u8>), Failure> {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header("content-type", content_type);
        for (k, v) in headers {
            b = b.header(k, v);
        }
        let req = b.body(Body::from(body)).map_err(anyhow::Error::from)?;
        self.send(req).await
    }

    async fn send(&mut self, req: Request<Body>) -> Result<(StatusCode, Vec<u8>), Failure> {
        self.requests += 1;
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?;
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| Failure::Other(anyhow::anyhow!("{e}")))?
            .to_bytes();
        if status.is_server_error() {
            return Err(Failure::Other(anyhow::anyhow!(
                "the router answered {status}: {}",
                String::from_utf8_lossy(&bytes)
            )));
        }
        Ok((status, bytes.to_vec()))
    }
}

/// Twilio's `Timestamp` parameter (RFC 2822).
/// The manager whose share of the calls `r` (0..1) falls in.
fn manager_at(r: f64) -> &'static str {
    MANAGERS
        .iter()
        .find(|(_, share)| r < *share)
        .map_or(MANAGERS[0].0, |(name, _)| name)
}

pub(super) fn with_time(mut p: Vec<(String, String)>, t: DateTime<Utc>) -> Vec<(String, String)> {
    p.push(("Timestamp".into(), t.to_rfc2822()));
    p
}

pub(super) fn merge_json(into: &mut serde_json::Value, from: &serde_json::Value) {
    if let (Some(a), Some(b)) = (into.as_object_mut(), from.as_object()) {
        for (k, v) in b {
            a.insert(k.clone(), v.clone());
        }
    }
}

/// The `Origin` a browser on the demo site sends with every snippet request.
fn site_origin() -> Vec<(String, String)> {
    vec![(
        "origin".to_string(),
        "https://demo-plumbing.example".to_string(),
    )]
}
