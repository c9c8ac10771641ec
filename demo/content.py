"""What the demo cases say: a fictional county's places, people and typical disputes.

Everything here is invented. ID numbers use region codes that are not in use (42099x), so a
generated number cannot be a real person's.
"""

from cases.models import Category

from .matters import TEMPLATES, Template  # noqa: F401  (read by the planner as content.TEMPLATES)

COUNTY = "江北县"
# town → villages; the first two towns have their own township sub-centers.
TOWNS = {
    "白鹤镇": ("白鹤村", "王家湾村", "枫树村"),
    "青石镇": ("青石村", "石桥村", "李家岗村"),
    "城关镇": ("东门村", "西湖村", "城南村"),
    "柳河乡": ("柳河村", "河口村", "杨柳村"),
    "双桥镇": ("双桥村", "张家垸村", "新堤村"),
    "龙泉乡": ("龙泉村", "泉水村", "松林村"),
    "桃源镇": ("桃源村", "桃花村", "刘家冲村"),
    "新店镇": ("新店村", "红星村", "周家湾村"),
}
COMMUNITIES = ("滨江社区", "建设路社区", "文昌社区", "朝阳社区", "新华社区")
STREETS = ("人民大道", "建设路", "解放路", "滨江路", "文昌路", "朝阳路", "新华街", "白鹤大道")
COMPOUNDS = ("锦绣花园", "江北名苑", "阳光小区", "金色家园", "滨江一号", "书香门第", "御景湾", "幸福里小区")
PROJECTS = (
    "城南安置小区二期",
    "滨江路改造工程",
    "县第二实验小学新校区",
    "工业园标准化厂房",
    "白鹤大道拓宽工程",
    "青石河堤防加固工程",
    "城北棚户区改造项目",
    "高铁站站前广场",
)
BRANDS = ("鑫达", "宏远", "恒通", "锦程", "华顺", "利民", "永兴", "金鼎", "盛达", "众诚", "瑞丰", "隆昌")
COMPANY_KINDS = (
    "建筑劳务有限公司",
    "建材有限公司",
    "电子科技有限公司",
    "食品有限公司",
    "纺织有限公司",
    "物流有限公司",
)
PROPERTY_COMPANIES = (
    "江北县安居物业服务有限公司",
    "江北县万家物业管理有限公司",
    "江北县宜居物业服务有限公司",
)
DEVELOPERS = ("江北县恒达置业有限公司", "江北县锦城房地产开发有限公司", "江北县华府置业有限公司")
HOSPITALS = ("县人民医院", "县中医医院", "县妇幼保健院", "白鹤镇卫生院", "青石镇卫生院")
INSURER = "某财产保险股份有限公司江北支公司"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江尹薛段雷侯龙陶黎贺顾毛郝龚邵万严覃戴向汤"
)
# fmt: off
MALE_NAMES = (
    "建国", "志强", "海涛", "文斌", "晓东", "国庆", "德明", "红军", "建华", "卫东", "长江", "家豪", "浩然", "俊杰",
    "明", "伟", "军", "勇", "杰", "涛", "超", "刚", "斌", "强", "鹏", "磊", "洋", "春生",
)
FEMALE_NAMES = (
    "秀英", "桂兰", "海燕", "丽华", "春梅", "红梅", "小燕", "玉兰", "晓丽", "思雨", "子涵", "婷婷", "芳",
    "艳", "娟", "霞", "平", "丽", "静", "敏", "燕", "慧", "琴", "莉", "桂芝", "金凤",
)
# fmt: on
# Unassigned region codes: fictional residents of the fictional county.
ID_REGIONS = ("420991", "420992", "420993")
# fmt: off
MOBILE_PREFIXES = (
    "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
    "156", "157", "158", "159", "166", "177", "180", "181", "182", "186", "187", "189", "199",
)
# fmt: on

# The package offered for a category (when it has one).
CATEGORY_PACKAGES = {
    Category.LABOUR: "labour",
    Category.MARRIAGE_FAMILY: "family",
    Category.MEDICAL: "medical",
    Category.PROPERTY: "property",
    Category.LAND: "land",
    Category.PETITION: "petition-law",
    Category.CONSUMER: "consumer",
    Category.TRAFFIC: "traffic",
    Category.CONTRACT: "contract",
}

COLOUR_REASONS = {
    "red": (
        "涉及人数多，当事人情绪激动，有越级上访苗头",
        "矛盾有激化风险，需防止发生极端行为",
        "当事人多次重复来访",
    ),
    "yellow": ("双方矛盾较深，已多次协商未果", "涉及金额较大，当事人诉求强烈"),
    "blue": ("事实清楚，争议不大", "普通民事纠纷，双方有调解意愿"),
}
INSTRUCTIONS = {
    "red": "红色预警事项，请牵头单位主要负责人亲自过问，24 小时内联系当事人，做好稳控化解工作。",
    "yellow": "请牵头单位及时签收，依法依规调处，定期反馈办理进展。",
    "blue": "请牵头单位按程序办理，办结后及时反馈。",
}
RECORDS = {
    "contact": (
        "已电话联系申请人{a}，核实诉求，告知办理流程和时限。",
        "约谈被申请人{r}，听取其意见，做释法说理工作。",
    ),
    "progress": (
        "到{where}实地走访，查看现场并拍照留存。",
        "组织双方当事人面对面调解，分歧主要在金额上，约定三日后再次协商。",
        "调取相关合同、票据等材料，初步厘清事实。",
        "邀请法律顾问参与调解，向双方讲解相关法律规定。",
    ),
    "next_step": ("下一步将联合协办单位开展联合调处，力争本周内达成调解协议。",),
    "cooperation": (
        "{dept}派员参与联合调处，提供专业意见。",
        "{dept}已完成职责范围内的核查，书面意见已反馈牵头单位。",
    ),
    "note": ("中心已电话提醒牵头单位抓紧办理，注意稳控当事人情绪。",),
}
RETURN_REASON = "该事项不属于本单位职责范围，建议交由{lead}牵头办理。"
SEND_BACK_REASONS = (
    "办结材料不全，缺少双方签字的调解协议，请补充后再报。",
    "回访中申请人反映问题未实际解决，请继续办理。",
)
SUPERVISE_REASONS = {
    "sweep": "超过签收期限未签收，系统自动督办。",
    "coordinator": "临近办结期限仍无实质进展，中心督办。",
    "leader": "县委政法委领导批示：请牵头单位加快办理，确保按期化解到位。",
    "reopened": "当事人对办理结果不满意，中心发出督办单，限期重新办理。",
}
VISIT_NOTES = (
    "申请人再次来访，询问办理进度。",
    "申请人再次来访催办，情绪较为激动。",
    "申请人携带补充材料再次来访。",
)
REOPEN_REASON = "回访中当事人表示调解协议未履行，重新交由原单位办理。"
REJECT_REASONS = (
    ("属于政务服务事项，已引导申请人到县政务服务中心办理。", "service_center"),
    ("该事项已进入诉讼程序，引导当事人向人民法院反映。", "court"),
    ("不属于中心受理范围，已告知申请人向有权处理的机关反映。", "other"),
)
WITHDRAW_REASONS = (
    "双方已自行和解，申请人申请撤回。",
    "申请人表示暂不追究，申请撤回。",
    "申请人已另行提起诉讼，申请撤回。",
)
ESCALATE_REASONS = (
    "矛盾复杂、涉及面广，超出县级调处权限，报请市综治中心协调化解。",
    "当事人多次赴市上访，经研判需市级层面统筹化解，予以上报。",
)
COMMENTS = {
    "satisfied": ("工作人员态度好，问题解决得很及时，谢谢！", "调解员很耐心，满意。", ""),
    "basically_satisfied": ("问题基本解决了，但跑了好几趟。", "结果可以接受，希望办得再快一点。"),
    "dissatisfied": ("协议签了但对方还没有履行，问题没有真正解决。", "对处理结果不认可。"),
}
