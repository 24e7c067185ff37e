"""The fictional defects of the demo complaints: what the customer saw and what the 8D team found,
in the words a quality engineer would write them (the demo data is Chinese, not translated)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Cause:
    """A D4 root cause and the D5 corrective action chosen for it."""

    kind: str  # "occurrence" or "escape"
    category: str  # Ishikawa: man, machine, material, method, measurement, environment
    description: str
    whys: tuple[str, ...]
    verification: str
    action: str
    action_check: str
    action_owner: str = "qe"  # demo user name


@dataclass(frozen=True)
class Defect:
    category: str  # DefectCategory code
    part_number: str
    part_name: str
    description: str
    delivered: int
    affected: int
    complaint_type: str = "quality"
    customer_part_number: str = ""
    # D0, D2, D3
    symptom: str = ""
    emergency: str = ""
    problem: dict | None = None  # D2: what, where, when, why, how_many, statement
    clean_point: str = ""
    sorting: str = ""
    # D4–D7
    causes: tuple[Cause, ...] = ()
    validation: str = ""
    documents: dict | None = None  # document code -> new revision (the others: not affected)
    deployment: tuple[str, str] | None = None  # similar product, what is done there
    no_deployment: str = ""
    preventive: str = ""
    lessons: str = ""


LABEL_WRONG = Defect(
    category="labelling",
    complaint_type="packaging",
    part_number="HJ-PCB-0415",
    part_name="主控板组件",
    customer_part_number="HJE-20415",
    description=(
        "标签错误：外箱标签料号印为 HJ-PCB-0416，箱内实物为 HJ-PCB-0415，客户仓库扫码收货时发现"
    ),
    delivered=2400,
    affected=600,
)

CARTON_CRUSHED = Defect(
    category="packaging",
    complaint_type="packaging",
    part_number="LN-MC-220",
    part_name="电机端盖",
    description="包装破损：到货 3 箱外箱压塌、内衬缺失，电机端盖磕碰变形 36 件",
    delivered=1800,
    affected=36,
)

CAN_DROPOUT = Defect(
    category="function",
    part_number="JN-WH-310",
    part_name="电机控制器线束总成",
    customer_part_number="JNEV-8831020",
    description=(
        "功能失效：整车下线检测 CAN 通讯中断（故障码 U0100），拆检发现线束插头 X12 端子退针"
    ),
    delivered=800,
    affected=2,
    symptom="整车 EOL 检测 CAN 通讯中断，2 台车无法下线",
    emergency="冻结成品库与在途全部同批次线束；派 2 人赴客户总装线对在线库存 100% 端子拉拔检查",
    problem={
        "what": "JN-WH-310 线束插头 X12 第 3 孔位端子退针，CAN-H 断路",
        "where": "客户总装车间 EOL 工位；插头 X12 第 3 孔位",
        "when": "客户夜班发现；涉及本周两个生产批次",
        "why": "图纸要求端子保持力 ≥ 60 N，退针端子仅 18 N",
        "how_many": "2 件 / 800 件已交付",
        "statement": "JN-WH-310 线束 X12 插头端子未完全锁止，装配后退针导致 CAN 通讯中断",
    },
    clean_point="批次 L-1125-03 起，外箱贴绿色圆点标识",
    sorting="100% 端子拉拔力检查（30 N）",
)

FLANGE_PITCH = Defect(
    category="dimension",
    part_number="BF-FL-1208",
    part_name="液压缸法兰",
    customer_part_number="BFZJ-30-1208",
    description=(
        "尺寸超差：法兰安装孔孔距要求 120±0.1 mm，实测 120.18–120.25 mm，客户装配时螺栓无法穿入"
    ),
    delivered=600,
    affected=45,
    symptom="客户装配时法兰螺栓无法穿入，液压缸总成装配停线 2 小时",
    emergency="冻结库存，安排三坐标全检在库法兰；向客户补发 50 件全检合格品",
    problem={
        "what": "BF-FL-1208 法兰安装孔孔距超上差 0.08–0.15 mm",
        "where": "客户装配线；法兰 4 个安装孔中的 2-3 号孔",
        "when": "客户装配时发现；对应第 44 周生产批次",
        "why": "孔距超差导致螺栓无法装配，不满足图纸 120±0.1 mm",
        "how_many": "45 件 / 600 件",
        "statement": "BF-FL-1208 法兰 2-3 号孔孔距超差，客户无法装配",
    },
    clean_point="第 46 周批次起，每件附三坐标检测报告",
    sorting="三坐标全检孔距",
    causes=(
        Cause(
            kind="occurrence",
            category="machine",
            description="加工中心第四轴分度定位销磨损，重复定位精度降至 0.04 mm，孔位偏移",
            whys=(
                "为什么孔距超差？分度后 2-3 号孔位置偏移",
                "为什么偏移？第四轴重复定位精度下降",
                "为什么精度下降？分度定位销磨损",
                "为什么磨损没有被发现？设备点检表没有定位精度项目",
            ),
            verification="更换定位销后连续加工 30 件，孔距 120.02–120.06 mm，CPK 1.85",
            action="更换第四轴定位销，定位精度纳入月度设备点检",
            action_check="连续 3 批孔距 CPK ≥ 1.67",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="measurement",
            description="终检通止规只检孔径不检孔距，首件三坐标每班仅一次",
            whys=(
                "为什么终检没有发现？终检只检孔径",
                "为什么只检孔径？检验规程沿用旧版，未覆盖孔距特性",
            ),
            verification="用位置度检具复检退回件 45 件，全部判不合格",
            action="孔距改用位置度检具 100% 检测，三坐标抽检改为每 2 小时一次",
            action_check="检验记录连续 1 个月无漏检",
        ),
    ),
)

SCRATCH = Defect(
    category="appearance",
    part_number="P-2301",
    part_name="仪表板支架壳体",
    customer_part_number="HD-8201-2301",
    description="外壳表面划伤：A 面可见划痕长 5–12 mm，客户来料检验 AQL 抽检发现 18 件",
    delivered=3000,
    affected=18,
    symptom="壳体 A 面划伤，装车后位于可视区域",
    emergency="通知仓库冻结同批次库存；对客户库存安排驻厂挑选",
    problem={
        "what": "P-2301 壳体 A 面划痕，长 5–12 mm",
        "where": "客户来料检验；壳体 A 面靠近安装孔一侧",
        "when": "客户来料检验发现；对应 2 个生产批次",
        "why": "外观标准要求 A 面无可见划痕",
        "how_many": "抽检 125 件中 18 件",
        "statement": "P-2301 壳体 A 面存在 5–12 mm 划痕，不符合客户外观标准",
    },
    clean_point="批次起外箱贴绿色圆点，附外观全检记录",
    sorting="灯箱下 100% 目检",
    causes=(
        Cause(
            kind="occurrence",
            category="machine",
            description="下料机械手夹爪聚氨酯垫磨损脱落，金属夹爪直接接触 A 面",
            whys=(
                "为什么会划伤？金属夹爪接触 A 面",
                "为什么金属接触？夹爪垫磨损脱落",
                "为什么磨损未及时更换？夹爪垫没有寿命管理",
            ),
            verification="在磨损夹爪上复现 20 件，19 件出现同样划痕；更换新垫后 50 件无划痕",
            action="夹爪改为整体包胶式，夹爪垫寿命纳入日点检",
            action_check="连续 3 批外观零缺陷",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="method",
            description="外观检验在普通照明下进行，照度不足 600 lx，细小划痕漏检",
            whys=(
                "为什么没有检出？照度不足，细小划痕不可见",
                "为什么照度不足？检验工位没有标准灯箱",
            ),
            verification="在 1200 lx 灯箱下复检留样，检出率 100%",
            action="外观检验工位加装 1200 lx 灯箱，制作划伤限度样板",
            action_check="检验员考核通过，限度样板签样",
        ),
    ),
    validation="连续 3 批（共 9 000 件）外观零缺陷，客户来料检验合格",
    documents={"pfmea": "C", "control_plan": "B", "work_instruction": "C"},
    deployment=("P-2302、P-2305 同类壳体", "同步更换包胶夹爪并加装灯箱"),
    preventive="新项目夹具设计评审清单增加“A 面禁止金属接触”要求",
    lessons="外观件 A 面禁止金属接触；易损件必须有寿命管理并纳入点检",
)

BUZZER_SILENT = Defect(
    category="function",
    part_number="HC-ALM-0501",
    part_name="输液泵报警模块",
    customer_part_number="HCM-A0501",
    description="功能失效：输液泵堵塞报警时蜂鸣器不响，客户整机测试发现 3 台，涉及患者安全",
    delivered=1200,
    affected=3,
    symptom="堵塞报警时无声音提示，只有指示灯闪烁",
    emergency="立即停止发货；通知客户隔离在库及在制整机；启动重大质量问题报告",
    problem={
        "what": "HC-ALM-0501 报警模块蜂鸣器声压不足（< 45 dB，要求 ≥ 65 dB）",
        "where": "客户整机终检；报警模块蜂鸣器",
        "when": "客户整机测试发现；涉及 8 月以来的生产批次",
        "why": "医疗器械报警须可闻（YY 0709），不满足为安全问题",
        "how_many": "3 台 / 1 200 件",
        "statement": "HC-ALM-0501 蜂鸣器在 3.3 V 驱动下声压不足，报警不可闻",
    },
    clean_point="新批次全部 100% 声压测试，附测试记录",
    sorting="100% 声压测试（≥ 65 dB @ 10 cm）",
    causes=(
        Cause(
            kind="occurrence",
            category="material",
            description="蜂鸣器供应商未经通知更换压电片材料，3.3 V 驱动下声压不足",
            whys=(
                "为什么不响？蜂鸣器声压太低",
                "为什么声压低？压电片材料变更",
                "为什么变更未知会？供应商变更通知流程未执行",
            ),
            verification="新旧材料各 50 件对比：新材料平均 41 dB，旧材料 72 dB",
            action="恢复原压电片材料；供应商变更须经我司书面批准（PPAP）",
            action_check="连续 3 批声压全部 ≥ 65 dB",
        ),
        Cause(
            kind="escape",
            category="method",
            description="来料检验只核对外观与型号，未做声压测试",
            whys=("为什么没有发现？来料检验无声压项目",),
            verification="按新检验规程复检在库 600 件，检出 41 件不合格",
            action="蜂鸣器来料增加声压抽检（每批 32 件）",
            action_check="来料检验记录审核",
        ),
    ),
)

PLATING_BLISTER = Defect(
    category="appearance",
    part_number="XC-BR-125",
    part_name="后视镜支架（镀铬）",
    description="电镀层起泡：镀铬支架盐雾试验 48 h 后起泡，客户路试车辆发现 6 件",
    delivered=900,
    affected=6,
    symptom="路试车辆后视镜支架镀层起泡、局部脱落",
    emergency="冻结在库支架，对在途 200 件安排盐雾抽检",
    problem={
        "what": "XC-BR-125 支架镀铬层起泡",
        "where": "客户路试；支架弯折处",
        "when": "路试 2 周后发现；对应 9 月批次",
        "why": "客户标准要求盐雾 96 h 无起泡",
        "how_many": "6 件 / 900 件",
        "statement": "XC-BR-125 支架镀层附着力不足，盐雾 48 h 后起泡",
    },
    clean_point="10 月批次起每批盐雾试验合格后放行",
    sorting="附着力划格试验抽检 + 盐雾试验",
    causes=(
        Cause(
            kind="occurrence",
            category="method",
            description="前处理除油槽温度偏低（45 °C，标准 60±5 °C），工件除油不净",
            whys=(
                "为什么起泡？镀层附着力不足",
                "为什么附着力不足？基体表面残留油污",
                "为什么残油？除油槽温度偏低",
                "为什么温度偏低？加热管损坏未报警",
            ),
            verification="60 °C 除油后盐雾 96 h 无起泡（10 件）",
            action="更换加热管，除油槽温度每 2 小时记录",
            action_check="连续 3 批盐雾 96 h 合格",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="measurement",
            description="盐雾试验每月一次，不能覆盖每个批次",
            whys=("为什么没有发现？盐雾频次低，9 月批次未抽到",),
            verification="对 9 月全部批次补做盐雾，2 批起泡",
            action="盐雾试验改为每批一次",
            action_check="试验记录审核",
        ),
    ),
    documents={"control_plan": "D", "work_instruction": "B"},
    no_deployment="该支架仅用于 XC125 车型，公司没有其他镀铬件生产线",
)

CONNECTOR_CRACK = Defect(
    category="function",
    part_number="RH-CN-0712",
    part_name="传感器连接器外壳",
    customer_part_number="RF-5541-0712",
    description="连接器外壳开裂：客户装配线卡扣处开裂 14 件，插接不到位",
    delivered=5000,
    affected=14,
    symptom="连接器卡扣开裂，插接后无锁止声",
    emergency="冻结库存与在途海运 1 个货柜；德国第三方仓库挑选",
    problem={
        "what": "RH-CN-0712 外壳卡扣根部开裂",
        "where": "客户装配线插接工位；卡扣根部",
        "when": "客户装配时发现；对应 10 月注塑批次",
        "why": "卡扣开裂导致连接器无法锁止",
        "how_many": "14 件 / 5 000 件",
        "statement": "RH-CN-0712 外壳卡扣脆裂，连接器无法锁止",
    },
    clean_point="11 月注塑批次起，外箱标注 “CP” 并附含水率记录",
    sorting="卡扣插拔试验 100%",
    causes=(
        Cause(
            kind="occurrence",
            category="material",
            description="PA66-GF30 原料干燥时间不足（2 h，要求 4 h），含水率 0.35%，卡扣脆裂",
            whys=(
                "为什么开裂？卡扣韧性不足",
                "为什么韧性不足？原料含水率过高",
                "为什么含水率高？换料时干燥时间被缩短",
            ),
            verification="按 4 h 干燥后注塑 100 件，插拔 10 次无开裂",
            action="干燥机加装时间联锁，未达 4 h 不能上料",
            action_check="连续 3 批含水率 ≤ 0.2%",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="method",
            description="首件检验未做卡扣插拔试验",
            whys=("为什么没有检出？首件只测尺寸",),
            verification="对开裂批次留样做插拔试验，5 件中 2 件开裂",
            action="首件与巡检增加卡扣插拔试验（5 件 × 10 次）",
            action_check="检验记录审核",
        ),
    ),
    documents={"pfmea": "E", "control_plan": "D", "work_instruction": "C"},
    deployment=("RH-CN-0713 / 0714 同系列连接器", "同样执行干燥联锁与插拔试验"),
    preventive="所有吸湿性原料（PA、PBT）干燥参数纳入 MES 联锁",
)

BORE_OVERSIZE = Defect(
    category="dimension",
    part_number="LS-HUB-220",
    part_name="轮毂轴承座",
    customer_part_number="LM-7720-HB",
    description="尺寸超差：轴承孔 Ø62 H7 实测超上差 0.012–0.020 mm，客户压装轴承时压装力偏低",
    delivered=1500,
    affected=22,
    symptom="客户轴承压装力低于下限，设备报警",
    emergency="冻结库存；美国仓库 100% 气动量仪复检",
    problem={
        "what": "LS-HUB-220 轴承孔径超上差",
        "where": "客户压装工位；轴承孔",
        "when": "客户压装时发现；对应 9 月下旬批次",
        "why": "孔径超差导致过盈量不足，轴承可能松动",
        "how_many": "22 件 / 1 500 件",
        "statement": "LS-HUB-220 轴承孔径超上差 0.012–0.020 mm，过盈量不足",
    },
    clean_point="10 月批次起每件刻印检验标记 “K”",
    sorting="气动量仪 100% 复检孔径",
    causes=(
        Cause(
            kind="occurrence",
            category="machine",
            description="精镗刀片磨损补偿间隔过长（每 500 件一次）",
            whys=(
                "为什么孔径超差？刀片磨损后孔径变大",
                "为什么没有补偿？补偿间隔 500 件过长",
            ),
            verification="刀具寿命试验：第 380 件起孔径接近上差",
            action="刀片补偿间隔改为每 200 件，加装在线孔径测量",
            action_check="连续 3 批孔径 CPK ≥ 1.67",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="measurement",
            description="气动量仪校准后零位漂移，未每班对标",
            whys=("为什么没有检出？量仪零位漂移 0.01 mm",),
            verification="用标准环规对标，量仪偏小 0.011 mm",
            action="气动量仪每班开班用标准环规对标",
            action_check="对标记录审核",
        ),
    ),
    documents={"pfmea": "F", "control_plan": "E"},
    deployment=("LS-HUB-230 同类轴承座", "同步缩短刀片补偿间隔"),
    preventive="所有精镗工序刀具寿命按试验数据设定",
)

DATE_FORMAT_LABEL = Defect(
    category="labelling",
    complaint_type="packaging",
    part_number="SD-RLY-0930",
    part_name="继电器模块",
    customer_part_number="SKR-0930-A",
    description=(
        "标签错误：产品标签生产日期打印为 MM/DD/YY，客户要求 YYYY-MM-DD，客户仓库扫码拒收 2 箱"
    ),
    delivered=4000,
    affected=400,
    symptom="客户 WMS 扫码拒收，2 箱无法入库",
    emergency="当天重新打印标签并派人到客户仓库换贴",
    problem={
        "what": "SD-RLY-0930 外箱与产品标签日期格式错误",
        "where": "客户仓库收货；外箱标签和产品标签",
        "when": "客户收货时发现；10 月第 4 周批次",
        "why": "客户标签规范要求 YYYY-MM-DD，WMS 无法识别其他格式",
        "how_many": "2 箱共 400 件",
        "statement": "SD-RLY-0930 标签日期格式不符合客户标签规范，导致拒收",
    },
    clean_point="10 月 30 日起全部使用新模板，首箱由品质确认",
    sorting="逐箱核对标签日期格式",
    causes=(
        Cause(
            kind="occurrence",
            category="method",
            description="标签模板升级时日期字段被改为系统默认格式，未按客户规范设定",
            whys=(
                "为什么格式错误？模板日期字段格式被改",
                "为什么被改？打印软件升级后模板重建",
                "为什么未核对？模板变更没有审批",
            ),
            verification="旧模板复打 10 张，格式全部错误；新模板 10 张全部正确",
            action="标签模板变更纳入变更管理，须品质审批",
            action_check="抽查 3 个月模板变更记录",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="method",
            description="标签首件确认只核对料号与数量，不核对日期格式",
            whys=("为什么没有发现？首件确认清单没有日期格式项",),
            verification="按新清单确认 5 个批次，全部检出格式问题",
            action="标签首件确认清单增加客户规范各字段",
            action_check="首件确认记录审核",
        ),
    ),
    validation="连续 5 批标签扫码 100% 通过，客户确认",
    documents={"work_instruction": "D", "inspection_standard": "B"},
    deployment=("所有日系客户的标签模板", "逐一核对客户标签规范"),
    preventive="客户标签规范纳入新项目 APQP 检查表",
    lessons="标签模板是受控文件，变更必须审批并首件确认",
)

RUSTED_SHAFTS = Defect(
    category="packaging",
    complaint_type="packaging",
    part_number="ND-GR-0044",
    part_name="齿轮轴",
    customer_part_number="NDS-44-0071",
    description="包装破损：海运木箱内防锈袋破损，齿轮轴锈蚀 40 件",
    delivered=960,
    affected=40,
    symptom="开箱发现齿轮轴表面锈蚀",
    emergency="空运补发 40 件；在途 2 个木箱到港后开箱检查",
    problem={
        "what": "ND-GR-0044 齿轮轴表面锈蚀，防锈袋破损",
        "where": "客户来料开箱；轴端和花键",
        "when": "海运到港开箱发现",
        "why": "锈蚀零件不可使用",
        "how_many": "40 件 / 960 件",
        "statement": "海运包装防锈袋被轴端刺破，齿轮轴锈蚀",
    },
    clean_point="新包装方案首批起，木箱标注 “NEW PACK”",
    sorting="开箱 100% 目检锈蚀",
    causes=(
        Cause(
            kind="occurrence",
            category="material",
            description="防锈袋厚度 0.08 mm，海运颠簸中被轴端尖角刺破",
            whys=(
                "为什么锈蚀？防锈袋破损后海水湿气进入",
                "为什么破损？轴端尖角刺破薄袋",
            ),
            verification="振动试验：0.08 mm 袋 3/5 破损，0.15 mm 袋加护套 0/5",
            action="改用 0.15 mm VCI 防锈袋，轴端加塑料护套",
            action_check="连续 3 个海运批次无锈蚀",
            action_owner="head",
        ),
        Cause(
            kind="escape",
            category="method",
            description="包装规范未区分海运与陆运，未做振动验证",
            whys=("为什么沿用陆运包装？包装规范没有海运要求",),
            verification="包装规范评审确认",
            action="制定海运包装规范并做振动、跌落验证",
            action_check="包装验证报告",
        ),
    ),
    validation="3 个海运批次到货无锈蚀，客户确认",
    documents={"work_instruction": "E", "inspection_standard": "C"},
    deployment=("所有出口欧洲的轴类零件", "统一采用新海运包装"),
    preventive="新项目包装方案评审增加运输方式与运输验证",
    lessons="出口包装必须按运输方式验证；包装规范要区分海运与陆运",
)
