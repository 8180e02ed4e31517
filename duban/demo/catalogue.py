"""The fictional 示例区: its units, people, enterprises, projects and tasks.

Plain data, modelled on the Harbin Daily articles in the brief (南岗区's 2023 figures, 项目管家,
包联, 老旧小区改造, 亚冬会…) but with invented names. Amounts are 万元.
"""

from __future__ import annotations

from dataclasses import dataclass

DISTRICT = "示例区"
REGION_CODE = "230199"  # not a real 行政区划代码: the district is fictional
DEMO_PASSWORD = "duban-demo-2024"  # noqa: S105 - printed to the user on purpose
MARKER_UNIT_CODE = "tjb"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    short_name: str
    kind: str
    parent: str | None = None
    assessed: bool = True
    head_title: str = "局长"


# Unit.Kind values: department, street, park, soe, task_force, office.
UNITS: tuple[UnitSpec, ...] = (
    UnitSpec("tjb", "示例区重点项目推进办公室", "推进办", "office", None, False, "主任"),
    UnitSpec("fgj", "示例区发展和改革局", "发改局", "department"),
    UnitSpec("zjj", "示例区住房和城乡建设局", "住建局", "department"),
    UnitSpec("gxj", "示例区工业和信息化局", "工信局", "department"),
    UnitSpec("swj", "示例区商务局", "商务局", "department"),
    UnitSpec("jtj", "示例区交通运输局", "交通运输局", "department"),
    UnitSpec("jyj", "示例区教育局", "教育局", "department"),
    UnitSpec("wjj", "示例区卫生健康局", "卫健局", "department"),
    UnitSpec("zrzy", "市自然资源局示例分局", "自然资源分局", "department", head_title="分局局长"),
    UnitSpec("sthj", "市生态环境局示例分局", "生态环境分局", "department", head_title="分局局长"),
    UnitSpec("hexing", "示例区和兴街道办事处", "和兴街道", "street", head_title="街道办事处主任"),
    UnitSpec("xianfeng", "示例区先锋街道办事处", "先锋街道", "street", head_title="街道办事处主任"),
    UnitSpec("guangming", "示例区光明镇人民政府", "光明镇", "street", head_title="镇长"),
    UnitSpec("kfq", "示例经济技术开发区管理委员会", "经开区", "park", head_title="管委会主任"),
    UnitSpec("ctjt", "示例区城市建设投资集团有限公司", "城投集团", "soe", head_title="董事长"),
    UnitSpec(
        "gxzb", "城市更新工作专班", "城市更新专班", "task_force", "tjb", head_title="专班组长"
    ),
)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = (  # noqa: SIM905 - a list of 40 two-character names reads better as one string
    "志刚 春明 晓燕 建国 立新 海涛 丽娟 国庆 红梅 永胜 秀英 文博 雪松 建华 玉兰 德明 "
    "晓东 佳怡 宏伟 淑华 俊峰 静 磊 鹏飞 凤霞 振宇 桂芳 子涵 明轩 海燕 长青 婷 "
    "雨桐 伟 国华 立群 晨 思远 翠英 卫东"
).split()


@dataclass(frozen=True)
class LeaderSpec:
    username: str
    full_name: str
    title: str
    in_charge: tuple[str, ...]  # 分管 units
    contact: tuple[str, ...]  # 联系 units
    principal: bool = False  # 主要领导: sees the whole district


LEADERS: tuple[LeaderSpec, ...] = (
    LeaderSpec("quzhang", "王志刚", "区委副书记、区长", ("fgj",), ("kfq",), principal=True),
    LeaderSpec("li-changwu", "李春明", "区委常委、常务副区长", ("zrzy", "ctjt"), ("hexing",)),
    LeaderSpec("zhang-fqz", "张晓燕", "副区长", ("jyj", "wjj"), ("xianfeng",)),
    LeaderSpec("liu-fqz", "刘建国", "副区长", ("zjj", "jtj"), ("gxzb",)),
    LeaderSpec("chen-fqz", "陈立新", "副区长", ("gxj", "swj"), ("guangming",)),
    LeaderSpec("zhao-fqz", "赵海涛", "副区长", ("sthj",), ("ctjt",)),
)

STEWARDS: tuple[tuple[str, str], ...] = (
    ("guanjia-sun", "孙立伟"),
    ("guanjia-zhou", "周敏"),
    ("guanjia-wu", "吴海波"),
)
OFFICE_USER = ("tuijinban", "钱立", "推进办综合科科长")
VIEWER = ("renda", "郑红", "区人大常委会联络员", ("zjj", "jyj", "wjj", "sthj"))

# (name, kind of credit code: 91 enterprise / 12 public institution)
ENTERPRISES: tuple[tuple[str, str], ...] = (
    ("黑龙江示例新能源材料有限公司", "91"),
    ("示例重工智能装备有限公司", "91"),
    ("示例森然窗业股份有限公司", "91"),
    ("示例数字科技发展有限公司", "91"),
    ("示例北方冷链物流有限公司", "91"),
    ("示例绿源食品有限公司", "91"),
    ("示例康泰生物医药有限公司", "91"),
    ("示例上洋包装材料有限公司", "91"),
    ("示例远驰航空零部件有限公司", "91"),
    ("示例国际会展置业有限公司", "91"),
    ("示例科技园发展有限公司", "91"),
    ("示例跨境电子商务产业园有限公司", "91"),
    ("示例商业运营管理有限公司", "91"),
    ("示例区城市建设投资集团有限公司", "91"),
    ("示例区热力有限责任公司", "91"),
    ("示例区人民医院", "12"),
    ("示例医科大学附属第二医院", "12"),
    ("示例区第二实验学校", "12"),
    ("示例区第十七中学", "12"),
    ("示例区光明镇农业发展有限公司", "91"),
    ("示例区环境卫生服务中心", "12"),
    ("示例氢能装备有限公司", "91"),
    ("示例智算科技有限公司", "91"),
)

# Northern building season: little is built from November to March.
SEASON_WEIGHTS = (0, 0, 2, 8, 12, 15, 16, 16, 14, 11, 5, 1)


@dataclass(frozen=True)
class ProjectSpec:
    name: str
    industry: str
    nature: str
    level: str | None  # None: a reserve project, not on the 2023 list
    category: str | None  # 2023 category: new / continuing / completing / preliminary
    total: int
    plan_2023: int
    unit: str
    owner: int  # index into ENTERPRISES
    start_year: int
    end_year: int
    scale: str
    location: str
    industry_code: str = "48"  # the DD part of the project code
    seasonal: bool = False  # a plan curve weighted to the building season
    co_units: tuple[str, ...] = ()
    plan_2024: int = 0
    outcome: str = "normal"  # normal / ahead / behind / not_started / finish / finish_late


P = ProjectSpec
# fmt: off
PROJECTS: tuple[ProjectSpec, ...] = (
    P("示例经开区新能源电机系统及关键材料产业园", "industry", "filing", "province", "new", 185000, 42000, "kfq", 0, 2023, 2025, "新建厂房及研发楼21万平方米，建设电机系统及关键材料生产线6条", "经开区创新路以东", "38", True, ("gxj", "zrzy"), 68000, "ahead"),
    P("示例智能装备制造基地（一期）", "industry", "filing", "city", "continuing", 96000, 30000, "gxj", 1, 2022, 2024, "建设智能装备总装车间、机加车间及配套用房8.6万平方米", "经开区装备路18号", "34", True, (), 26000, "normal"),
    P("示例森然窗业被动式门窗智能工厂技改项目", "industry", "filing", "city", "completing", 32000, 14000, "gxj", 2, 2022, 2023, "购置数控加工中心等设备126台（套），改造生产车间2.3万平方米", "经开区兴业路6号", "30", False, (), 0, "finish"),
    P("示例数字经济产业园（软件信息服务中心）", "industry", "filing", "province", "new", 120000, 25000, "kfq", 3, 2023, 2026, "建设软件研发楼、数据中心及配套设施18.5万平方米", "经开区数字大道以北", "65", True, ("fgj",), 36000, "normal"),
    P("示例北方冷链物流园", "industry", "filing", "city", "continuing", 68000, 22000, "swj", 4, 2022, 2024, "建设冷库12万吨、分拣中心及综合办公楼", "光明镇物流园区", "59", True, ("guangming",), 21000, "behind"),
    P("示例绿源绿色食品精深加工项目", "industry", "filing", "district", "new", 15000, 8000, "gxj", 5, 2023, 2024, "新建绿色食品加工车间1.2万平方米及冷藏库", "光明镇工业集中区", "14", False, (), 6000, "normal"),
    P("示例康泰生物医药中试基地", "industry", "approval", "city", "preliminary", 80000, 2000, "kfq", 6, 2024, 2026, "建设生物医药中试车间、质检中心6.8万平方米", "经开区健康路以南", "27", False, ("fgj",), 18000, "normal"),
    P("示例上洋包装材料智能化改造项目", "industry", "filing", "district", "completing", 6800, 3000, "gxj", 7, 2022, 2023, "新增智能包装生产线3条", "先锋街道工业园", "22", False, (), 0, "finish"),
    P("示例远驰航空零部件精密加工项目", "industry", "filing", "city", "new", 45000, 16000, "kfq", 8, 2023, 2025, "建设航空零部件精密加工厂房3.2万平方米", "经开区航空产业园", "37", True, (), 17000, "ahead"),
    P("示例国际会展中心配套商业综合体", "industry", "filing", "province", "continuing", 260000, 48000, "swj", 9, 2021, 2025, "建设会展配套酒店、商业及办公32万平方米", "示例大街与会展路交口", "70", True, ("zjj",), 52000, "behind"),
    P("示例大学科技园孵化基地", "industry", "filing", "district", "continuing", 22000, 9000, "gxj", 10, 2022, 2024, "改造孵化载体4.5万平方米，建设公共技术服务平台", "学府路科技园", "75", False, (), 8000, "normal"),
    P("示例跨境电商产业园", "industry", "filing", "district", "new", 18000, 7000, "swj", 11, 2023, 2025, "建设跨境电商监管仓及孵化中心2.1万平方米", "经开区保税路", "52", False, (), 6000, "not_started"),
    P("示例商圈步行街提档升级项目", "industry", "government", "district", "completing", 8500, 5200, "swj", 12, 2022, 2023, "步行街立面改造、地下管网及智慧商圈建设", "和兴街道商业街", "52", False, ("hexing",), 0, "finish"),
    P("示例大街快速路改造工程", "infrastructure", "government", "province", "continuing", 150000, 52000, "jtj", 13, 2022, 2024, "改造快速路5.6公里，新建立交桥2座", "示例大街全线", "48", True, ("zjj", "zrzy"), 45000, "ahead"),
    P("学府路（示例段）道路综合改造工程", "infrastructure", "government", "city", "new", 38000, 21000, "jtj", 13, 2023, 2024, "道路改造3.2公里，配套排水、照明及绿化", "学府路示例段", "48", True, ("zjj",), 15000, "normal"),
    P("示例区雨污分流管网改造工程", "infrastructure", "government", "city", "continuing", 46000, 18000, "zjj", 13, 2022, 2024, "改造雨污分流管网68公里", "全区", "46", True, ("sthj",), 14000, "behind"),
    P("示例区集中供热老旧管网改造工程", "infrastructure", "government", "city", "new", 28000, 15000, "zjj", 14, 2023, 2024, "改造供热老旧管网45公里、换热站12座", "全区", "44", True, (), 12000, "ahead"),
    P("示例区公共停车设施建设项目", "infrastructure", "government", "district", "new", 9500, 6000, "jtj", 13, 2023, 2024, "新建立体停车楼2座、泊位1200个", "和兴街道、先锋街道", "48", False, (), 3500, "normal"),
    P("示例区2023年老旧小区改造工程（41个小区）", "livelihood", "government", "province", "new", 58000, 40000, "gxzb", 13, 2023, 2024, "改造老旧小区41个、惠及居民3.78万户，建筑面积226万平方米", "全区", "47", True, ("zjj", "hexing", "xianfeng"), 18000, "ahead"),
    P("示例区棚户区改造配套基础设施项目", "infrastructure", "government", "city", "continuing", 75000, 26000, "zjj", 13, 2021, 2024, "建设棚改区配套道路、管网及公共服务设施", "先锋街道", "47", True, ("xianfeng",), 22000, "normal"),
    P("示例区保障性租赁住房项目", "livelihood", "government", "city", "continuing", 64000, 24000, "ctjt", 13, 2022, 2024, "建设保障性租赁住房1860套", "和兴街道新发路", "70", True, ("zjj",), 20000, "normal"),
    P("示例区城市排水防涝设施建设工程", "infrastructure", "government", "district", "preliminary", 35000, 1500, "zjj", 13, 2024, 2025, "新建雨水泵站3座、排水管渠12公里", "全区易涝点", "46", False, (), 12000, "behind"),
    P("示例火车站北广场改造工程", "infrastructure", "government", "district", "completing", 12000, 4800, "jtj", 13, 2022, 2023, "广场改造4.2万平方米及交通组织优化", "火车站北广场", "48", True, (), 0, "finish_late"),
    P("示例区城市运行管理服务平台", "infrastructure", "government", "district", "new", 4800, 3000, "gxj", 13, 2023, 2024, "建设城市运行“一网统管”平台", "区政务服务中心", "65", False, (), 1800, "normal"),
    P("示例区人民医院医疗保障设施提升改造项目", "livelihood", "government", "city", "continuing", 42000, 15000, "wjj", 15, 2022, 2024, "在原有2.8万平方米基础上新增4000平方米、床位200张", "示例区人民医院院内", "84", True, (), 12000, "normal"),
    P("示例医科大学附属第二医院紧急医学救援基地", "livelihood", "government", "province", "continuing", 88000, 30000, "wjj", 16, 2022, 2025, "建设紧急医学救援中心、培训基地及直升机停机坪", "学府路以东", "84", True, (), 28000, "normal"),
    P("示例区第二实验学校新建工程", "livelihood", "government", "city", "new", 26000, 14000, "jyj", 17, 2023, 2024, "新建36个班规模学校，建筑面积3.6万平方米", "先锋街道学院路", "83", True, (), 10000, "ahead"),
    P("示例区第十七中学改扩建工程", "livelihood", "government", "district", "completing", 9000, 3500, "jyj", 18, 2022, 2023, "新建教学综合楼1.1万平方米", "示例区第十七中学院内", "83", True, (), 2000, "overrun"),
    P("示例区社区卫生服务中心标准化建设", "livelihood", "government", "district", "completing", 1800, 1800, "wjj", 15, 2023, 2023, "改造社区卫生服务中心6个", "全区", "84", False, (), 0, "finish"),
    P("示例区养老服务综合体", "livelihood", "government", "district", "continuing", 16000, 6000, "hexing", 13, 2022, 2024, "建设养老床位300张及社区嵌入式服务设施", "和兴街道", "85", True, ("wjj",), 5000, "behind"),
    P("示例区全民健身中心", "livelihood", "government", "district", "preliminary", 21000, 800, "jyj", 13, 2024, 2026, "建设全民健身馆及室外运动场地2.2万平方米", "光明镇体育路", "89", False, (), 2000, "not_started"),
    P("示例区幼儿园新建工程（3所）", "livelihood", "government", "district", "continuing", 7200, 4200, "jyj", 13, 2022, 2024, "新建幼儿园3所、学位810个", "和兴街道、先锋街道", "83", True, (), 2500, "normal"),
    P("光明镇设施农业育苗基地", "industry", "filing", "district", "new", 1500, 1500, "guangming", 19, 2023, 2023, "新建智能育苗温室及草莓柿子大棚300栋", "光明镇光明村", "01", False, (), 0, "finish"),
    P("先锋街道社区党群服务中心", "livelihood", "government", "district", "continuing", 1200, 700, "xianfeng", 13, 2022, 2023, "改造社区党群服务中心5处", "先锋街道", "94", False, (), 0, "finish"),
    P("示例河综合治理工程", "ecology", "government", "city", "continuing", 54000, 16000, "sthj", 13, 2022, 2025, "河道清淤9.8公里、新建截污干管及滨河绿道", "示例河沿线", "77", True, ("zrzy",), 15000, "normal"),
    P("示例区生活垃圾分类处理中心", "ecology", "approval", "district", "preliminary", 23000, 1000, "sthj", 20, 2024, 2025, "建设日处理300吨厨余垃圾处理设施", "光明镇环卫产业园", "78", False, (), 1200, "not_started"),
    P("示例氢能装备产业园", "industry", "filing", None, None, 150000, 0, "kfq", 21, 2025, 2027, "建设氢能电解槽及储运装备生产基地", "经开区东区", "38"),
    P("示例人工智能算力中心", "industry", "filing", None, None, 200000, 0, "kfq", 22, 2025, 2027, "建设智能算力中心及配套设施", "经开区数字大道", "65"),
    P("示例区老旧街区城市更新（二期）", "infrastructure", "government", None, None, 90000, 0, "gxzb", 13, 2024, 2027, "改造老旧街区8片、背街小巷120条", "和兴街道、先锋街道", "47", plan_2024=1500),
    P("示例区湿地公园生态修复工程", "ecology", "government", None, None, 30000, 0, "sthj", 13, 2024, 2026, "修复湿地160公顷，建设生态步道", "光明镇湿地", "77", plan_2024=800),
)
# fmt: on
# The reserve projects that join the 2024 list as 前期 items.
RESERVE_ON_2024_LIST = ("示例区老旧街区城市更新（二期）", "示例区湿地公园生态修复工程")


@dataclass(frozen=True)
class IndicatorSpec:
    name: str
    unit: str
    baseline: str | None
    target: str
    target_2024: str


@dataclass(frozen=True)
class TaskSpec:
    title: str
    unit: str
    goal: str
    indicators: tuple[IndicatorSpec, ...]
    co_units: tuple[str, ...] = ()
    continues: bool = True  # on the 2024 list too (carried over)
    outcome: str = "normal"  # normal / ahead / behind


I = IndicatorSpec  # noqa: E741
T = TaskSpec
# fmt: off
TASKS: tuple[TaskSpec, ...] = (
    T("深化“一网通办”改革，持续优化营商环境", "fgj", "政务服务事项网上可办率达到98%以上，企业开办时间压缩至1个工作日", (I("政务服务事项网上可办率", "%", "85", "98", "99"),), ("tjb",)),
    T("培育壮大市场主体", "swj", "全年新增市场主体8000户", (I("新增市场主体", "户", None, "8000", "8500"),), ("kfq",), True, "ahead"),
    T("招商引资攻坚", "swj", "实际利用内资60亿元，新签约亿元以上项目20个", (I("实际利用内资", "亿元", None, "60", "65"), I("新签约亿元以上项目", "个", None, "20", "22")), ("kfq", "gxj")),
    T("规上工业企业培育", "gxj", "新增规上工业企业12户", (I("新增规上工业企业", "户", None, "12", "12"),), (), False),
    T("科技型企业梯度培育", "gxj", "新增高新技术企业50户、科技型中小企业120户", (I("新增高新技术企业", "户", None, "50", "55"), I("新增科技型中小企业", "户", None, "120", "130")), (), True, "ahead"),
    T("背街小巷整治提升", "zjj", "整治背街小巷60条", (I("整治背街小巷", "条", None, "60", "70"),), ("hexing", "xianfeng"), True, "behind"),
    T("冬季清洁取暖保障", "zjj", "改造供热老旧管网45公里，供热投诉办结率100%", (I("改造供热老旧管网", "公里", None, "45", "40"),), ("ctjt",)),
    T("稳就业促增收", "hexing", "新增城镇就业4000人", (I("新增城镇就业", "人", None, "4000", "4200"),), ("xianfeng", "guangming"), False),
    T("义务教育优质均衡发展", "jyj", "新增公办学位3600个", (I("新增公办学位", "个", None, "3600", "2400"),), (), False),
    T("紧密型医联体建设", "wjj", "医联体覆盖全部18个社区卫生服务中心", (I("医联体覆盖社区卫生服务中心", "个", "6", "18", "18"),), ()),
    T("打好蓝天保卫战", "sthj", "空气质量优良天数达到300天", (I("空气质量优良天数", "天", None, "300", "305"),), ("zjj",)),
    T("黑臭水体治理", "sthj", "完成3条黑臭水体整治并通过验收", (I("完成黑臭水体整治", "条", None, "3", "2"),), ("zjj",), True, "behind"),
    T("土地收储与供应", "zrzy", "收储土地1200亩、供应土地800亩", (I("收储土地", "亩", None, "1200", "1000"), I("供应土地", "亩", None, "800", "900")), ("fgj",)),
    T("违法建设治理", "xianfeng", "拆除违法建设15万平方米", (I("拆除违法建设", "平方米", None, "150000", "120000"),), ("zrzy",), False),
    T("争取中央预算内资金和专项债券", "fgj", "争取中央预算内资金2.96亿元、专项债券8亿元", (I("争取中央预算内资金", "亿元", None, "2.96", "3.2"), I("争取地方政府专项债券", "亿元", None, "8", "9"))),
    T("固定资产投资稳增长", "fgj", "固定资产投资增长10%", (I("固定资产投资增速", "%", None, "10", "8"),), ("zjj", "gxj"), True, "behind"),
    T("经开区标准化厂房建设", "kfq", "新增标准化厂房12万平方米", (I("新增标准化厂房", "万平方米", None, "12", "15"),), (), True, "ahead"),
    T("区属国企改革提质增效", "ctjt", "国企营业收入达到25亿元", (I("国企营业收入", "亿元", "21", "25", "27"),), (), False),
    T("“菜篮子”设施农业提升", "guangming", "新建改造大棚300栋，“光明一号”草莓柿子种植量翻番", (I("新建改造大棚", "栋", None, "300", "200"),), (), False),
    T("公交线网优化", "jtj", "新增优化公交线路8条", (I("新增优化公交线路", "条", None, "8", "6"),), (), False),
)

# New key tasks of 2024 (not on the 2023 list).
TASKS_2024: tuple[TaskSpec, ...] = (
    T("亚冬会城市保障提升", "gxzb", "完成亚冬会周边道路、楼体亮化及环境整治项目24个", (I("完成环境整治项目", "个", None, "24", "24"),), ("zjj", "jtj")),
    T("冰雪经济培育", "swj", "举办冰雪消费活动30场，培育冰雪旅游精品线路5条", (I("举办冰雪消费活动", "场", None, "30", "30"),), ("kfq",)),
)
# fmt: on

PROGRESS_PRESTART = (
    "完成初步设计及概算编制，正在办理施工许可",
    "完成施工图审查，正在开展施工及监理招标",
    "可研报告已批复，正在推进用地预审与选址",
    "正在开展场地平整及临时设施建设",
)
PROGRESS_BUILD = (
    "正在进行基础施工，完成桩基{p}%",
    "主体结构施工中，完成主体工程量{p}%",
    "二次结构及机电安装同步推进，完成工程量{p}%",
    "室外管网及配套工程施工中，完成{p}%",
    "设备安装调试中，累计完成工程量{p}%",
)
# The phrase for a project's stage by the share of its construction done (the building nodes'
# shares in demo.timeline: 基础完工 at 0.2, 主体封顶 0.5, 设备安装 0.75), then the finish. The
# first two speak of their stage's own work (桩基, 主体工程量), the others of the whole.
PROGRESS_STAGES = (
    (0.0, 0.2, "正在进行基础施工，完成桩基{p}%", True),
    (0.2, 0.5, "主体结构施工中，完成主体工程量{p}%", True),
    (0.5, 0.75, "二次结构及机电安装同步推进，完成工程量{p}%", False),
    (0.75, 1.0, "设备安装调试中，累计完成工程量{p}%", False),
)
PROGRESS_DONE = "主体及配套工程已完工，正在开展竣工验收及资料归档"
PROGRESS_WINTER = (
    "冬季停工，开展室内装修及设备采购",
    "冬季施工受限，组织图纸会审及材料进场准备",
    "进行冬季养护，开展复工准备",
)
PROBLEMS = (
    "受征收拆迁影响，部分地块尚未交付",
    "资金到位不及时，影响施工进度",
    "施工许可手续办理周期较长",
    "供电外线迁改未完成",
    "树木移植审批尚未办结",
    "材料价格上涨，施工单位组织不力",
)
RETURN_REASONS = (
    "本月完成投资与形象进度不符，请核实后重新报送。",
    "开工以来累计完成投资与统计部门数据不一致，请核对后重报。",
    "形象进度描述过于笼统，请写明具体工程量。",
    "指标完成值缺少说明，请补充数据来源。",
)


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    full_name: str
    sees: str
