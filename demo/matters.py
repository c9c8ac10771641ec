"""The typical disputes of the demo county: one template per kind of matter, with its wording.

A data table (the only long module in demo/): each template names its category, title and
description patterns, where it happens, which departments lead and help, its colour weights,
the services it calls for and a typical result. Everything is invented.
"""

from dataclasses import dataclass

from cases.models import Category


@dataclass(frozen=True)
class Template:
    """One kind of matter: its wording, where it happens, who typically handles it."""

    category: str
    title: str
    description: str
    where: str
    leads: tuple[str, ...]
    co: tuple[str, ...] = ()
    colours: tuple[int, int, int] = (1, 4, 5)  # weights of red, yellow, blue
    respondent: str = "person"  # "person", a fact naming an organisation, or "" for none
    genders: str = ""  # e.g. "fm": a female applicant against a male respondent
    group: bool = False  # many people behind one representative
    services: tuple[str, ...] = ("mediation",)
    result: str = "经多次协调，双方达成一致意见并签订人民调解协议书，申请人表示认可。"
    package: str = ""  # the service package's slug, when not the category's (see content.CATEGORY_PACKAGES)


T = Template
TEMPLATES = (
    # --- labour ---
    T(
        Category.LABOUR,
        "{company}拖欠{n}名农民工工资",
        "申请人{a}等{n}名农民工反映：在{project}项目务工期间，{company}拖欠工资共计{money}万元，"
        "已拖欠{months}个月，多次讨要无果。工人情绪激动，要求尽快结清。",
        "{town}{project}工地",
        ("hrss", "union", "justice"),
        ("union", "housing", "police"),
        (5, 4, 1),
        "company",
        group=True,
        services=("mediation", "arbitration", "legal_aid"),
        result="经人社局约谈，{company}同意分两期结清拖欠工资{money}万元，首期已当场支付，双方签订调解协议。",
    ),
    T(
        Category.LABOUR,
        "{a_s}与{company}劳动合同纠纷",
        "申请人{a}在{company}工作{years}年，公司未签订书面劳动合同、未缴纳社会保险，近日以经营困难为由"
        "将其辞退且不支付经济补偿。申请人要求支付经济补偿金{yuan}元并补缴社保。",
        "{town}工业园",
        ("hrss", "union", "lawsoc"),
        ("union", "justice"),
        (0, 3, 7),
        "company",
        services=("mediation", "arbitration"),
        result="经调解，{company}同意支付经济补偿金{yuan}元，并为申请人补缴社会保险，申请人撤回仲裁申请。",
    ),
    T(
        Category.LABOUR,
        "{a_s}工伤待遇纠纷",
        "申请人{a}在{company}上班期间左手被机器压伤，经鉴定为九级伤残。公司仅支付了部分医疗费，"
        "对一次性伤残补助金等待遇拒不支付，双方协商未果。",
        "{town}工业园",
        ("hrss", "union"),
        ("justice", "lawsoc"),
        (1, 5, 4),
        "company",
        services=("arbitration", "legal_aid", "appraisal"),
        result="经仲裁前调解，{company}一次性支付工伤待遇{money}万元，双方就工伤事宜再无争议。",
    ),
    # --- marriage and family ---
    T(
        Category.MARRIAGE_FAMILY,
        "{a_s}与{r_s}离婚后子女抚养费纠纷",
        "申请人{a}与前夫{r}于{years}年前协议离婚，约定孩子由申请人抚养、{r}每月支付抚养费{yuan}元。"
        "{r}已连续{months}个月未支付，申请人多次催要无果。",
        "{town}{village}",
        ("women", "justice", "court", "mediation"),
        ("women", "justice"),
        (0, 3, 7),
        genders="fm",
        services=("mediation", "legal_aid"),
        result="经妇联和调解员共同做工作，{r}补付拖欠的抚养费并承诺按月支付，双方签订调解协议。",
    ),
    T(
        Category.MARRIAGE_FAMILY,
        "{a_s}家庭赡养纠纷",
        "申请人{a}年逾七旬，育有三个子女。子女对赡养义务分担各执一词，老人现独居于{town}{village}，"
        "生活困难，请求协调子女履行赡养义务。",
        "{town}{village}",
        ("justice", "mediation", "women"),
        ("women",),
        (1, 4, 5),
        services=("mediation", "counselling"),
        result="经调解，三个子女签订赡养协议，约定轮流照料并每月各支付生活费 600 元，老人表示满意。",
    ),
    T(
        Category.MARRIAGE_FAMILY,
        "{a_s}反映遭受家庭暴力",
        "申请人{a}反映其丈夫{r}酗酒后多次对其实施殴打，近日再次发生冲突，申请人手臂受伤。"
        "申请人要求制止家暴并寻求法律帮助。",
        "{town}{village}",
        ("women", "police", "justice"),
        ("police", "women"),
        (5, 4, 1),
        genders="fm",
        services=("counselling", "legal_aid"),
        result="公安机关对{r}出具家庭暴力告诫书，妇联协助申请人申请人身安全保护令并提供心理疏导。",
    ),
    # --- neighbours ---
    T(
        Category.NEIGHBOUR,
        "{a_s}与{r_s}宅基地排水纠纷",
        "申请人{a}与邻居{r}房屋相邻。{r}翻修房屋时抬高地基，雨天积水倒灌申请人家中，"
        "双方多次发生口角，矛盾有激化苗头。",
        "{town}{village}{group}",
        ("justice", "mediation", "police"),
        ("natres",),
        (1, 5, 4),
        result="经村调委会和司法所联合调解，{r}出资修建排水沟，双方握手言和。",
    ),
    T(
        Category.NEIGHBOUR,
        "{compound}楼上漏水引发邻里矛盾",
        "{compound}{building}住户{a}反映楼上住户{r}家卫生间长期渗水，导致其家天花板发霉脱落。"
        "双方协商维修费用未果，曾发生推搡。",
        "城关镇{compound}{building}",
        ("mediation", "justice", "police"),
        ("housing",),
        (0, 4, 6),
        result="经调解，{r}负责维修防水层并赔偿申请人装修损失{yuan}元，双方当场履行。",
    ),
    T(
        Category.NEIGHBOUR,
        "{a_s}与{r_s}因饲养家禽发生纠纷",
        "申请人{a}反映邻居{r}在房前屋后散养鸡鸭，气味和噪音严重影响生活，双方多次争吵，"
        "前日发生肢体冲突，派出所已出警。",
        "{town}{village}{group}",
        ("police", "mediation"),
        ("justice",),
        (1, 4, 5),
        result="经派出所和调解员调解，{r}承诺圈养家禽并清理场地，双方互相道歉。",
    ),
    # --- land ---
    T(
        Category.LAND,
        "{village}土地承包经营权纠纷",
        "申请人{a}反映其家承包的{area}亩责任田在其外出务工期间被同组村民{r}耕种，"
        "回乡后要求返还遭拒，双方争执不下。",
        "{town}{village}{group}",
        ("natres", "justice", "petition"),
        ("justice",),
        (1, 5, 4),
        services=("mediation",),
        result="经核对承包合同和确权登记，{r}同意在本季收割后返还土地，并支付占用期间的补偿。",
    ),
    T(
        Category.LAND,
        "{village}与邻村山林权属争议",
        "{town}{village}村民代表{a}等{n}人反映，与相邻村的{area}亩山林界址不清，双方村民因砍伐林木"
        "多次发生冲突，有引发群体性事件的风险。",
        "{town}{village}",
        ("natres", "petition"),
        ("police", "justice"),
        (6, 3, 1),
        "",
        group=True,
        services=("mediation", "petition"),
        result="自然资源部门组织两村现场勘界，依据林权登记重新划定界址，两村签订山林界址协议。",
    ),
    T(
        Category.LAND,
        "{a_s}反映征地补偿款分配不公",
        "申请人{a}反映{project}征收其所在{group}集体土地，组里分配补偿款时未将其出嫁女儿列入名单，"
        "要求依法分配。",
        "{town}{village}{group}",
        ("natres", "petition", "women"),
        ("women", "justice"),
        (2, 5, 3),
        "",
        services=("petition", "legal_aid"),
        result="经核查，申请人女儿户籍仍在本组，村组已按规定补发其应得的征地补偿款。",
    ),
    # --- property management ---
    T(
        Category.PROPERTY,
        "{compound}业主与物业公司服务纠纷",
        "{compound}业主{a}等{n}户反映，{property_co}服务质量差、电梯经常故障、公共区域无人打扫，"
        "却计划上调物业费。业主集体拒交，物业公司以停水相威胁。",
        "城关镇{compound}",
        ("housing", "mediation"),
        ("market",),
        (2, 5, 3),
        "property_co",
        group=True,
        result="住建局约谈物业公司，责令维修电梯、恢复保洁，暂缓调价；业主同意补交物业费。",
    ),
    T(
        Category.PROPERTY,
        "{compound}车位使用权纠纷",
        "业主{a}反映开发商{developer}将小区规划内的公共车位出售给外来人员，业主车辆无处停放，"
        "要求明确车位权属。",
        "城关镇{compound}",
        ("housing", "natres"),
        ("natres",),
        (0, 4, 6),
        "developer",
        result="经查阅规划许可，明确争议车位属业主共有，开发商停止对外销售并退还已收款项。",
    ),
    T(
        Category.PROPERTY,
        "{a_s}商品房延期交付纠纷",
        "申请人{a}购买{developer}开发的{compound}{building}商品房，合同约定交房日期已过{months}个月"
        "仍未交付，开发商拒绝按约支付违约金。",
        "城关镇{compound}",
        ("housing", "court"),
        ("court",),
        (1, 4, 5),
        "developer",
        services=("mediation", "litigation"),
        result="经诉前调解，开发商承诺两个月内交房并支付逾期交房违约金{yuan}元。",
    ),
    # --- consumers ---
    T(
        Category.CONSUMER,
        "{a_s}购买电动车质量问题投诉",
        "申请人{a}在{bike_shop}购买电动车一辆，价格{yuan}元，使用不到一个月电池即无法充电，商家拒绝退换。",
        "城关镇{street}",
        ("market",),
        (),
        (0, 1, 9),
        "bike_shop",
        result="经市场监管局调解，商家为申请人更换新电池并延长保修期一年。",
    ),
    T(
        Category.CONSUMER,
        "{club}预付卡退费纠纷",
        "申请人{a}等{n}人反映{club}突然停业、店主失联，会员预付卡余额合计约{money}万元无法退还。",
        "城关镇{street}",
        ("market", "police"),
        ("police",),
        (3, 5, 2),
        "club",
        group=True,
        result="市场监管局联系上经营者，经调解其承诺分三期退还会员余额，首期已退付。",
    ),
    T(
        Category.CONSUMER,
        "{a_s}就餐后身体不适索赔纠纷",
        "申请人{a}在{restaurant}就餐后出现腹泻呕吐，经{hospital}诊断为急性胃肠炎，"
        "要求餐馆赔偿医疗费及误工费。",
        "{town}{street}",
        ("market", "health"),
        ("health",),
        (0, 3, 7),
        "restaurant",
        result="经调解，餐馆赔偿申请人医疗费、误工费共计{yuan}元，市场监管局对其后厨卫生立案检查。",
    ),
    # --- medical ---
    T(
        Category.MEDICAL,
        "{a_s}家属与{hospital}医疗损害纠纷",
        "申请人{a}的父亲在{hospital}手术后出现并发症，经抢救无效死亡。家属认为医院存在过错，"
        "多次到医院聚集，要求赔偿。",
        "{hospital}",
        ("health", "medmed"),
        ("police", "justice", "medmed"),
        (7, 3, 0),
        "hospital",
        services=("mediation", "appraisal"),
        result="经医疗纠纷调解室组织专家评析，医院承担次要责任，赔偿家属{money}万元，双方签订调解协议。",
    ),
    T(
        Category.MEDICAL,
        "{a_s}对{hospital}手术效果有异议",
        "申请人{a}在{hospital}行骨折内固定手术后恢复不佳，需二次手术，认为首次手术操作不当，"
        "要求医院承担二次手术费用。",
        "{hospital}",
        ("medmed", "health"),
        ("health",),
        (1, 5, 4),
        "hospital",
        services=("mediation", "appraisal"),
        result="经调解，医院减免二次手术费用并给予适当补偿，申请人放弃其他诉求。",
    ),
    # --- construction ---
    T(
        Category.CONSTRUCTION,
        "{project}施工扰民问题",
        "{community}居民{a}等{n}人反映，{project}工地夜间施工噪音大、渣土车遗撒严重，"
        "影响居民休息和出行，多次反映未解决。",
        "城关镇{community}",
        ("housing",),
        ("police", "natres"),
        (2, 5, 3),
        "company",
        group=True,
        result="住建局责令施工单位停止夜间施工、渣土车加盖篷布，并安排专人清扫路面。",
    ),
    T(
        Category.CONSTRUCTION,
        "{project}工程款结算纠纷",
        "申请人{a}承包{project}部分劳务，工程已完工验收，{company}以审计未完成为由拖欠工程款{money}万元，"
        "导致其无法支付工人工资。",
        "{town}{project}",
        ("housing", "hrss", "court"),
        ("hrss", "court"),
        (3, 5, 2),
        "company",
        services=("mediation", "litigation"),
        result="经协调，{company}先行支付工程款{money}万元的 70%，余款待审计结束后一个月内付清。",
    ),
    T(
        Category.CONSTRUCTION,
        "{a_s}房屋因相邻工程施工开裂",
        "申请人{a}反映{project}基坑开挖后，其位于{town}{village}的自建房墙体出现多处裂缝，担心房屋安全。",
        "{town}{village}",
        ("housing", "justice"),
        ("natres",),
        (3, 5, 2),
        "company",
        services=("mediation", "appraisal"),
        result="经第三方房屋安全鉴定，施工单位承担加固维修费用{yuan}元，并对基坑采取加固措施。",
    ),
    # --- traffic ---
    T(
        Category.TRAFFIC,
        "{a_s}与{r_s}交通事故损害赔偿纠纷",
        "{months}个月前，{r}驾驶小型轿车在{street}与申请人{a}驾驶的电动车相撞，造成申请人右腿骨折。"
        "交警认定{r}负主要责任，双方就赔偿金额分歧较大。",
        "城关镇{street}",
        ("police", "mediation", "court"),
        ("court",),
        (1, 5, 4),
        services=("mediation", "appraisal", "legal_aid"),
        result="经道路交通事故调解，保险公司和{r}共同赔偿申请人各项损失{money}万元。",
    ),
    T(
        Category.TRAFFIC,
        "{a_s}交通事故保险理赔纠纷",
        "申请人{a}的车辆在事故中受损，{insurer}以驾驶人准驾车型不符为由拒赔，申请人不服。",
        "城关镇{street}",
        ("court", "mediation"),
        ("lawsoc",),
        (0, 3, 7),
        "insurer",
        services=("mediation", "litigation"),
        result="经诉前调解，保险公司同意在交强险范围内赔付，申请人放弃起诉。",
    ),
    # --- contracts and debts ---
    T(
        Category.CONTRACT,
        "{a_s}与{r_s}民间借贷纠纷",
        "申请人{a}于{years}年前借给{r}人民币{money}万元用于经营，约定一年内归还，现逾期未还，"
        "{r}以生意亏损为由一再拖延。",
        "{town}",
        ("court", "justice", "mediation", "lawsoc"),
        ("lawsoc",),
        (0, 3, 7),
        services=("mediation", "litigation", "notarization"),
        result="经调解，双方签订还款协议并办理公证，{r}分十二期还清借款。",
        package="loan",
    ),
    T(
        Category.CONTRACT,
        "{a_s}与{company}买卖合同纠纷",
        "申请人{a}向{company}供应砂石料，货款{money}万元至今未结清，公司以资金紧张为由拒绝付款。",
        "{town}",
        ("court", "lawsoc"),
        ("lawsoc",),
        (1, 4, 5),
        "company",
        services=("mediation", "litigation"),
        result="经诉调对接，{company}确认欠款并承诺三个月内付清，法院出具司法确认裁定。",
    ),
    T(
        Category.CONTRACT,
        "{a_s}与{r_s}房屋租赁合同纠纷",
        "申请人{a}将位于{street}{no}号的门面租给{r}经营，{r}拖欠房租{months}个月，且擅自改变房屋结构，"
        "申请人要求解除合同。",
        "城关镇{street}{no}号",
        ("mediation", "court", "lawsoc"),
        (),
        (0, 2, 8),
        result="经调解，双方解除租赁合同，{r}补交租金并恢复房屋原状后搬离。",
    ),
    # --- petitions ---
    T(
        Category.PETITION,
        "{a_s}反映{project}拆迁安置问题",
        "信访人{a}反映其房屋因{project}被征收，安置房至今未交付，过渡费发放不及时，此前已多次到县、市上访。",
        "{town}{village}",
        ("petition", "housing", "natres"),
        ("housing", "natres"),
        (5, 4, 1),
        "",
        services=("petition", "legal_aid", "hearing"),
        result="经县信访局协调，补发拖欠的过渡费，明确安置房交付时间并书面答复信访人。",
    ),
    T(
        Category.PETITION,
        "{a_s}对民事判决不服反复信访",
        "信访人{a}对法院作出的民事判决不服，认为一审认定事实错误，多次到县委县政府上访，要求重新处理。",
        "{town}",
        ("procuratorate", "court", "petition"),
        ("court", "lawsoc"),
        (4, 4, 2),
        "",
        services=("petition", "hearing", "legal_aid"),
        result="检察院召开公开听证，邀请律师和人大代表释法说理，信访人表示息诉罢访。",
    ),
    T(
        Category.PETITION,
        "{a_s}反映低保资格被取消",
        "信访人{a}反映其家庭经济困难，今年低保资格被取消，认为村里评议不公，要求恢复。",
        "{town}{village}",
        ("petition",),
        ("justice",),
        (1, 4, 5),
        "",
        services=("petition",),
        result="经核查，申请人家庭收入符合条件，已按程序恢复其低保待遇并书面答复。",
    ),
    # --- other ---
    T(
        Category.OTHER,
        "{a_s}反映邻居饲养大型犬存在安全隐患",
        "申请人{a}反映邻居{r}饲养大型犬未拴养，曾追咬路过儿童，多次劝说无果。",
        "{town}{village}{group}",
        ("police",),
        (),
        (1, 3, 6),
        result="派出所依法责令{r}拴养并办理犬只登记，申请人表示满意。",
    ),
    T(
        Category.OTHER,
        "{a_s}申请法律援助",
        "申请人{a}因追索劳动报酬需提起诉讼，家庭经济困难，申请法律援助。",
        "{town}",
        ("justice", "lawsoc"),
        (),
        (0, 2, 8),
        "",
        services=("legal_aid",),
        result="经审查符合法律援助条件，已指派律师代理，案件已向法院立案。",
    ),
    T(
        Category.OTHER,
        "{a_s}对行政处罚决定有异议申请检察监督",
        "申请人{a}对其经营的小作坊受到的行政处罚有异议，认为程序违法，申请检察机关监督。",
        "{town}",
        ("procuratorate", "lawsoc"),
        ("market",),
        (0, 3, 7),
        "",
        services=("hearing", "legal_aid"),
        result="检察院审查后向行政机关发出检察建议，处罚决定已依法变更，申请人表示认可。",
    ),
)
