"""What residents complain about, in their words: the vocabulary of the seeded complaints.

Descriptions are built as ``[when]`` + problem + ``[detail]``, the problem drawn from
its category's list with the weight shown. 漏水 is about 13 % of engineering complaints
and a little elsewhere, so a search for it matches about 4 % of all rows; rarer
words (白蚁, 充电桩) match a fraction of a percent.

No tabs, newlines or backslashes anywhere: the lines go straight into COPY's text format.
"""

from __future__ import annotations

# category -> [(problem, weight)]
PROBLEMS: dict[str, list[tuple[str, int]]] = {
    "engineering": [
        ("卫生间天花板漏水", 3),
        ("厨房水管漏水，地板都泡了", 2),
        ("楼上漏水到我家客厅", 2),
        ("阳台漏水，墙皮脱落", 1),
        ("外墙渗水，卧室墙面发霉", 4),
        ("屋顶渗水", 3),
        ("墙面开裂，越来越宽", 4),
        ("地砖空鼓，有一块已经翘起来", 4),
        ("入户门关不严，锁芯松动", 4),
        ("下水道堵塞，污水反上来", 8),
        ("水压太低，早上洗澡没水", 6),
        ("楼上装修噪音太大，中午也在打钻", 8),
        ("窗户密封条老化，下雨进水", 4),
        ("公共区域墙面瓷砖脱落", 4),
        ("楼道扶手松动", 3),
        ("排水管噪音大，半夜有流水声", 3),
    ],
    "mechanical_electrical": [
        ("电梯故障，停在半层不动", 7),
        ("电梯困人，等了二十分钟才有人来", 3),
        ("电梯异响，运行时抖动", 6),
        ("电梯经常停运", 4),
        ("楼道灯不亮", 8),
        ("小区突然停电，没有提前通知", 4),
        ("门禁系统故障，刷卡进不去", 5),
        ("水泵房噪音太大，影响休息", 4),
        ("消防报警器半夜误报", 3),
        ("中央空调不制冷", 5),
        ("地下车库排风机不转，空气很闷", 3),
        ("配电箱经常跳闸", 3),
        ("热水管道漏水", 1),
    ],
    "fees": [
        ("物业费收费标准不合理", 6),
        ("物业费发票一直没开", 4),
        ("多收了一个月物业费", 4),
        ("停车费上涨没有公示", 4),
        ("公摊电费过高", 5),
        ("水费分摊有误", 4),
        ("装修押金迟迟不退", 3),
        ("缴费系统扣款两次", 2),
    ],
    "cleaning": [
        ("垃圾未清理，楼道堆满垃圾袋", 8),
        ("垃圾桶满溢，气味难闻", 6),
        ("楼道有异味", 4),
        ("电梯轿厢里有污渍，几天没擦", 4),
        ("保洁不及时，楼梯间很脏", 5),
        ("地下车库积水未清扫", 3),
        ("楼道堆放杂物，影响通行", 4),
        ("宠物粪便没人清理", 4),
        ("雨后漏水的地方没有拖干，容易滑倒", 1),
    ],
    "landscaping": [
        ("绿化带杂草丛生", 5),
        ("树枝挡住窗户，屋里很暗", 4),
        ("早上六点割草噪音太大", 4),
        ("绿化带被踩踏没人管", 3),
        ("修剪下来的树枝一直没清走", 4),
        ("草坪喷灌漏水，路面都是水", 1),
        ("绿化带里有蚊虫滋生", 3),
    ],
    "pest_control": [
        ("家里发现蟑螂，怀疑是楼道传过来的", 8),
        ("楼道有蟑螂", 4),
        ("地下室老鼠出没", 5),
        ("蚊子太多，晚上没法开窗", 5),
        ("发现白蚁", 1),
        ("消杀药味太重，孩子闻了不舒服", 3),
        ("垃圾房苍蝇很多", 3),
    ],
    "security": [
        ("保安态度差，说话很冲", 6),
        ("外来人员随意进出", 5),
        ("门禁卡失效，补办要等一周", 5),
        ("门禁卡无法补办", 2),
        ("夜间巡逻不到位", 3),
        ("快递放在门口被偷", 4),
        ("保安值班时睡觉", 2),
        ("访客登记太麻烦", 2),
        ("电动车在楼道充电没人管", 3),
    ],
    "parking": [
        ("停车位被占，打电话也没人挪车", 8),
        ("车辆在地库被刮，要求调监控", 4),
        ("停车场照明不足", 3),
        ("外来车辆乱停，消防通道被堵", 4),
        ("道闸故障，车进不来", 3),
        ("充电桩不能用", 2),
        ("地库漏水，车顶被滴脏", 2),
    ],
    "customer_service": [
        ("客服电话无人接听", 5),
        ("上次投诉后一直没有回复", 6),
        ("前台态度不好", 4),
        ("维修预约一直没人来", 5),
        ("停水通知没有及时张贴", 3),
        ("物业管家换了也没通知", 2),
        ("报修后说好上门又没来", 3),
    ],
}

WHEN = [
    "",
    "",
    "",
    "昨天晚上",
    "今天早上",
    "最近一周",
    "连续三天",
    "这个月第二次",
    "从上周开始",
    "周末",
    "半夜",
]

DETAIL = [
    "",
    "",
    "",
    "，希望尽快处理",
    "，已经反映过多次",
    "，严重影响正常生活",
    "，请物业尽快派人查看",
    "，家里有老人小孩",
    "，邻居也有同样问题",
    "，之前维修过又坏了",
    "，拍了照片",
]

DEMANDS = [
    "尽快维修",
    "尽快处理",
    "给个说法",
    "赔偿损失",
    "加强管理",
    "减免当月物业费",
    "书面回复",
    "派人上门查看",
    "查明原因",
    "以后提前通知",
]

PLACES = {
    "residential": [
        "3号楼电梯厅",
        "地下车库B2层",
        "小区东门",
        "中心花园",
        "5号楼楼道",
        "游泳池边",
        "儿童游乐场",
        "垃圾房",
        "1号楼大堂",
        "北门岗亭",
    ],
    "office": [
        "大堂",
        "18层茶水间",
        "地下停车场",
        "货梯",
        "B1层",
        "12层卫生间",
        "前台",
        "消防通道",
    ],
}

HANDLING_NOTES = [
    "已派维修人员上门处理完毕",
    "已更换损坏配件，住户确认正常",
    "已清理完毕",
    "已向住户解释并致歉",
    "已协调相关住户解决",
    "已联系厂家维修，运行正常",
    "已加强巡查",
    "已退还多收费用",
    "已消杀处理，一周后回访",
    "已约谈当事员工并整改",
]

TARGET_STAFF = ["保安小王", "保洁阿姨", "维修师傅老张", "前台小李", "管家小陈", "门岗老刘"]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛"]

# Category mixes (percent weights): a residential estate and an office building differ.
CATEGORY_WEIGHTS = {
    "residential": {
        "engineering": 22,
        "mechanical_electrical": 12,
        "fees": 8,
        "cleaning": 14,
        "landscaping": 8,
        "pest_control": 6,
        "security": 12,
        "parking": 10,
        "customer_service": 8,
    },
    # Office tower: lifts and air conditioning; a few planters, so landscaping is rare
    # (its department's queue is the "short queue" of the benchmark).
    "office": {
        "engineering": 20,
        "mechanical_electrical": 25,
        "fees": 10,
        "cleaning": 15,
        "landscaping": 0.3,
        "pest_control": 1.7,
        "security": 13,
        "parking": 10,
        "customer_service": 5,
    },
}

# Which department a category is routed to (Department.Kind).
CATEGORY_DEPARTMENT = {
    "engineering": "engineering",
    "mechanical_electrical": "mechanical_electrical",
    "fees": "finance",
    "cleaning": "cleaning",
    "landscaping": "landscaping",
    "pest_control": "pest_control",
    "security": "security",
    "parking": "parking",
    "customer_service": "customer_service",
}

CHANNEL_WEIGHTS = {"phone": 45, "visit": 28, "staff": 12, "suggestion_box": 8, "letter": 7}
GRADE_WEIGHTS = {"minor": 80, "important": 17, "major": 3}
