"""What the demo's feed items say: police incidents, grid reports, online posts and petition visits.

Everything is invented. Texts name people only as "王某" (the feed's summary style); the people
an item lists carry the names, phones and ID numbers, which the lead keeps encrypted. Each
template has a theme, so one person's story (wage arrears, land, a violent home, a late flat)
can be told by several feeds.

The default screening rules (risk/migrations/0002_default_rules.py) look for these words, and
the templates use them where a real summary would: 极端行为词 (跳楼, 轻生, 自杀, 自焚, 持刀,
同归于尽), 群体性事件词 (聚集, 堵路, 静坐, 围堵, 群访, 拉横幅), 矛盾纠纷词 (讨薪, 欠薪, 上访,
家暴, 拆迁, 维权, 征地, 补偿款, 讨债).
"""

from dataclasses import dataclass

from risk.models import Feed


@dataclass(frozen=True)
class LeadTemplate:
    theme: str
    category: str  # what the feed sends as 类别: the center's label, or the feed's own
    text: str
    people: tuple[int, int] = (1, 1)  # how many people the item lists (the first is the story's person)
    roles: tuple[str, str] = ("当事人", "对方当事人")  # the first person's role, the others'
    weight: int = 3


T = LeadTemplate

# The feeds' external id prefixes: 警情 JQ, 民情 MQ, 舆情 YQ, 信访 XF.
PREFIXES = {Feed.POLICE: "JQ", Feed.PUBLIC: "MQ", Feed.OPINION: "YQ", Feed.PETITION: "XF"}

# username, feed, name of the sending system (the county's four feed clients)
FEED_CLIENTS = (
    ("feed-police", Feed.POLICE, "县公安局警情推送接口"),
    ("feed-public", Feed.PUBLIC, "县网格化服务管理平台"),
    ("feed-opinion", Feed.OPINION, "县网络舆情监测系统"),
    ("feed-petition", Feed.PETITION, "县信访信息系统"),
)

POLICE_ROLES = ("报警人", "对方当事人")
# fmt: off
POLICE = (
    T("labour", "劳动争议", "{place}{project}工地，报警人{a_s}称{company}拖欠其工资{yuan}元，到项目部讨薪时与管理人员发生推搡。民警到场后双方情绪平稳，已引导至县人社局劳动监察大队处理。",
      (2, 2), POLICE_ROLES, 5),
    T("labour", "劳动争议", "{place}{project}工地门口，{n}余名工人因{company}欠薪{months}个月聚集讨薪，部分人员拉横幅、堵路，造成交通拥堵约半小时。民警到场疏导，已通报县人社局和工地所在乡镇。",
      (5, 9), ("工人代表", "工人"), 2),
    T("labour", "劳动争议", "{place}{project}工地，{a_s}爬上塔吊，称{company}欠薪{months}个月不还，扬言讨不到工钱就跳楼。消防、民警到场，经约两小时劝说后将其安全劝下。",
      (1, 2), ("当事人", "项目负责人"), 1),
    T("family", "婚姻家庭", "{place}，报警人{a_s}（女）称遭丈夫{r_s}家暴，面部有擦伤。民警到场制止，对{r_s}批评教育并出具家庭暴力告诫书，已通报县妇联。",
      (2, 2), ("报警人", "施暴人"), 4),
    T("family", "婚姻家庭", "{place}，{a_s}与丈夫争吵后情绪激动，扬言要喝农药轻生，家属报警。民警及时赶到劝阻，已联系村干部和妇联跟进。",
      (1, 2), ("当事人", "家属"), 1),
    T("neighbour", "邻里纠纷", "{place}，{a_s}与邻居{r_s}因宅基地界址和排水沟问题发生口角并轻微推搡，无人受伤。民警到场调解，建议双方到村调委会处理。",
      (2, 2), POLICE_ROLES, 6),
    T("traffic", "交通事故", "{street}与{street2}交叉口两车刮擦，无人员受伤。双方就赔偿金额协商未果，交警已出具事故认定书，建议双方申请调解。",
      (2, 2), ("驾驶人", "对方驾驶人"), 5),
    T("debt", "合同债务", "{place}，报警人{a_s}称上门讨债时与欠款人{r_s}发生争执，对方持刀威胁。民警到场收缴刀具，将{r_s}带回派出所调查。",
      (2, 2), POLICE_ROLES, 1),
    T("debt", "合同债务", "{place}，{a_s}称{r_s}借款{yuan}元逾期不还，双方在{restaurant}门口争吵。民警到场劝离，告知可通过诉讼途径解决。",
      (2, 2), POLICE_ROLES, 4),
    T("consumer", "消费维权", "{street}{club}门口，{n}名会员称会所突然关门、预付卡无法使用，要求退款，现场秩序平稳。民警到场维持秩序，已通报县市场监管局。",
      (2, 3), ("会员代表", "会员"), 2),
    T("civic", "治安警情", "{place}，{a_s}报警称楼上住户夜间噪音扰民，多次沟通无果。民警到场协调，双方表示互相谅解。",
      (2, 2), POLICE_ROLES, 5),
    T("land", "土地山林", "{place}，{a_s}与{r_s}因{project}征地补偿款分配问题在村部发生争吵。民警到场劝解，已通知镇政府和村委会处理。",
      (2, 2), POLICE_ROLES, 2),
    T("property", "物业纠纷", "{compound}，业主{a_s}因停车收费问题与物业保安发生口角，民警到场调解，双方各自离开。",
      (1, 2), ("报警人", "物业人员"), 3),
)

PUBLIC_ROLES = ("反映人", "对方当事人")
PUBLIC = (
    T("neighbour", "邻里纠纷", "网格员走访发现，{place}{a_s}与{r_s}两家因房前屋后排水沟堵塞问题多次争吵，矛盾有激化苗头，已上门劝解。",
      (2, 2), PUBLIC_ROLES, 6),
    T("labour", "劳动争议", "{place}{a_s}反映，其在{company}务工被欠薪{yuan}元，老板电话联系不上，准备和工友一起去县里讨薪。",
      (1, 2), ("反映人", "工友"), 4),
    T("family", "婚姻家庭", "网格员入户走访，{place}{a_s}家中夫妻关系紧张，邻居反映近期多次听到争吵，疑似存在家暴情况，已告知村妇联执委。",
      (1, 2), ("当事人", "配偶"), 3),
    T("land", "土地山林", "{place}{n}户村民反映{project}征地补偿款迟迟未发放，部分村民商量到镇政府门口聚集讨说法，网格员已做解释工作并上报。",
      (5, 8), ("村民代表", "村民"), 2),
    T("property", "物业纠纷", "{compound}业主反映{developer}逾期交房已{months}个月，业主群内有人组织周末到售楼部维权，网格员持续关注。",
      (1, 2), ("业主代表", "业主"), 3),
    T("family", "其他", "网格员走访发现，{place}独居老人{a_s}近期情绪低落，多次对邻居说“活着没意思”，有轻生念头，已联系村医和家属。",
      (1, 1), ("当事人", "家属"), 1),
    T("land", "土地山林", "{place}{a_s}反映邻居{r_s}在自家责任田边挖塘，占用其承包地约{area}亩，双方争执不下。",
      (2, 2), PUBLIC_ROLES, 4),
    T("civic", "其他", "{place}网格员上报：{street}路段路灯损坏多日，夜间照明不足，群众出行不便，已转交镇城建办。",
      (0, 1), ("反映人", "反映人"), 4),
    T("land", "土地山林", "{place}{a_s}对拆迁补偿不满，认为房屋面积被少算，情绪激动，网格员已上门安抚并上报镇政府。",
      (1, 1), PUBLIC_ROLES, 2),
    T("land", "土地山林", "网格员走访发现{place}{a_s}因土地流转租金与村委会有分歧，多次到村部讨说法。",
      (1, 1), PUBLIC_ROLES, 3),
    T("debt", "合同债务", "{place}{a_s}反映{r_s}借其{yuan}元多年未还，近期多次上门讨债，两家关系紧张。",
      (2, 2), PUBLIC_ROLES, 2),
)

OPINION_ROLES = ("发帖人", "涉事人员")
OPINION = (
    T("labour", "劳动争议", "网民“{nick}”在{platform}发帖称{project}工地拖欠农民工工资，数十名工人讨薪无门，帖文阅读量{views}，评论{comments}条。",
      (0, 1), OPINION_ROLES, 4),
    T("labour", "劳动争议", "{platform}出现一段视频，{place}一男子站在楼顶边缘，配文称“再不给工钱就跳楼”，转发{comments}次。经核实为{a_s}讨要被欠薪款。",
      (1, 1), ("涉事人员", "涉事人员"), 1),
    T("property", "物业纠纷", "网民在{platform}发帖称{compound}业主在售楼部聚集维权，要求{developer}按期交房，附现场照片{photos}张，阅读量{views}。",
      (0, 1), OPINION_ROLES, 3),
    T("property", "物业纠纷", "网民“{nick}”在{platform}留言反映{compound}物业费上涨，业主不满，跟帖{comments}条。",
      (0, 1), OPINION_ROLES, 4),
    T("land", "土地山林", "{platform}流传“{town}征地补偿款被截留”的帖子，阅读量{views}。经初步核实，涉及{project}征地补偿款发放进度问题。",
      (0, 1), OPINION_ROLES, 3),
    T("medical", "医疗纠纷", "网民“{nick}”在{platform}发帖称在{hospital}就医时遭遇医疗事故，家属拟到医院门口聚集讨说法，转发{comments}次。",
      (0, 1), OPINION_ROLES, 2),
    T("consumer", "消费维权", "网民在{platform}发帖称{club}商家跑路，预付卡无法使用，会员维权群已有{n}人。",
      (0, 1), OPINION_ROLES, 3),
    T("civic", "其他", "{platform}有网民反映{restaurant}后厨卫生差，帖文热度一般，已转县市场监管局核查。",
      (0, 0), OPINION_ROLES, 3),
    T("civic", "其他", "网民“{nick}”在{platform}发帖吐槽{street}施工围挡占道、出行不便，跟帖{comments}条。",
      (0, 0), OPINION_ROLES, 4),
    T("family", "婚姻家庭", "网民在{platform}发帖称{place}有妇女长期遭受家暴，求助无门，帖文阅读量{views}。经核实当事人为{a_s}。",
      (1, 1), ("当事人", "涉事人员"), 1),
)

PETITION_ROLES = ("来访人", "同行人")
PETITION = (
    T("labour", "信访事项", "{a_s}到县信访局来访，反映{company}拖欠其工资{yuan}元，多次讨薪未果，要求协调解决。",
      (1, 1), PETITION_ROLES, 5),
    T("land", "信访事项", "{place}{n}名村民到县信访局集体上访，反映{project}征地补偿款分配不公，要求公开补偿标准。属群访，已安排专人接待。",
      (5, 10), ("村民代表", "村民"), 2),
    T("land", "信访事项", "{a_s}来访反映其房屋在{project}拆迁中补偿标准偏低，要求重新评估。",
      (1, 1), PETITION_ROLES, 4),
    T("neighbour", "信访事项", "{a_s}来访反映与邻居{r_s}的宅基地纠纷经村调委会调解未果，要求政府处理。",
      (1, 1), PETITION_ROLES, 4),
    T("family", "信访事项", "{a_s}来访反映长期遭受家暴，要求妇联和公安介入，并咨询申请人身安全保护令。",
      (1, 1), PETITION_ROLES, 3),
    T("medical", "信访事项", "{a_s}来访反映在{hospital}的医疗纠纷赔偿问题，称不解决就去北京上访。",
      (1, 2), PETITION_ROLES, 2),
    T("land", "信访事项", "{a_s}来访反映土地承包经营权确权面积有误，要求更正。",
      (1, 1), PETITION_ROLES, 4),
    T("property", "信访事项", "{a_s}来访反映{compound}物业服务质量差，要求更换物业公司。",
      (1, 1), PETITION_ROLES, 3),
    T("property", "信访事项", "{a_s}等业主代表来访，反映{developer}开发的{compound}逾期交房{months}个月，业主维权无果。",
      (1, 3), ("业主代表", "业主"), 3),
    T("labour", "信访事项", "{a_s}来访时情绪激动，称被欠薪{months}个月无人过问，扬言再不解决就自焚，接访人员稳控其情绪并通知属地乡镇。",
      (1, 1), PETITION_ROLES, 1),
)
# fmt: on

TEMPLATES = {Feed.POLICE: POLICE, Feed.PUBLIC: PUBLIC, Feed.OPINION: OPINION, Feed.PETITION: PETITION}

# A person's story told again: the repeat visits and calls of the same person (同一人员反复出现).
REPEATS = {
    Feed.PETITION: (
        "{a_s}第{k}次来访，反映{company}欠薪{yuan}元至今未解决，情绪激动，称再不解决就到市里上访。",
        "{a_s}第{k}次来访，反映{project}拆迁补偿问题，对镇政府的答复不满意。",
        "{a_s}第{k}次来访，反映与{r_s}的土地纠纷无人处理，要求县领导接访。",
    ),
    Feed.POLICE: (
        "{place}，{a_s}第{k}次报警称遭丈夫{r_s}家暴。民警到场制止，已第{k}次出具告诫书并通报妇联。",
        "{place}，{a_s}第{k}次报警称邻居{r_s}故意堵其排水沟，双方再次发生争吵。",
    ),
    Feed.PUBLIC: ("网格员第{k}次走访{place}{a_s}，其仍反映{company}欠薪问题未解决，情绪不稳定。",),
}

# A party of a case at the center appears in a feed (关联在办或近期结案案件).
CASE_LINKED = {
    Feed.PETITION: "{a_s}来访，反映其在县综治中心登记的“{title}”一事办理进度慢，要求尽快解决。",
    Feed.POLICE: "{place}，报警人{a_s}称因“{title}”一事与对方再次发生争执。民警到场劝解，告知该事项已在县综治中心办理。",
    Feed.PUBLIC: "网格员回访{place}{a_s}，其反映“{title}”一事尚未解决，对处理进度不满。",
    Feed.OPINION: "网民在{platform}发帖称“{title}”迟迟得不到解决，经核实发帖人为当事人{a_s}。",
}

# The burst of a village whose count rises this week (村（社区）/网格线索上升): one matter, many reports.
BURST = {
    Feed.PUBLIC: "{place}村民反映{project}征地补偿款发放标准不一，村民议论较多，网格员已上报。",
    Feed.POLICE: "{place}，村民{a_s}与施工方因{project}征地补偿问题发生争执，民警到场劝解。",
    Feed.PETITION: "{a_s}来访反映{place}{project}征地补偿款未发放到位，要求镇政府给说法。",
    Feed.OPINION: "网民在{platform}发帖称{place}{project}征地补偿不公，跟帖{comments}条。",
}

PLATFORMS = ("本地论坛“江北在线”", "抖音", "微博", "微信群", "今日头条", "快手", "本地公众号评论区")
NICKS = (
    "江北老百姓", "白鹤人在外", "青石河边", "柳河小散", "打工人阿强", "热心市民王先生", "江北吃瓜群众",
    "城关老街坊", "路过的", "一个业主", "维权业主2026", "农民工小李", "江北论坛网友", "鹤城观察",
)  # fmt: skip
STREETS2 = (
    "人民大道",
    "建设路",
    "解放路",
    "滨江路",
    "文昌路",
    "朝阳路",
    "新华街",
    "白鹤大道",
    "青石路",
    "柳河大道",
)
RISK_MEASURES = (
    "已落实包保责任人，每周上门走访一次，稳控当事人情绪；牵头单位限期提出化解方案。",
    "镇村两级干部包案，联合人社、司法所开展联合调处，敏感节点前重点关注。",
    "已纳入县级重点矛盾纠纷台账，县领导包案化解，公安部门做好现场稳控预案。",
)
