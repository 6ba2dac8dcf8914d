# Shared by every page: the frame, the error pages, form problems.
site-name = أثر
skip-to-content = انتقل إلى المحتوى
nav-label = القائمة الرئيسية
nav-search = البحث عن شخص
nav-report = الإبلاغ عن مفقود
nav-survivor = أنا على قيد الحياة
nav-tip = تقديم معلومات
nav-follow = متابعة بلاغ
footer-privacy = لا نعرض تفاصيل أي شخص ولا هوية من يبحث. لا يطّلع على البلاغات والمعلومات إلا العاملون في المنظمة.
back-home = العودة إلى البداية
error-code = رمز الخطأ:
error-not-found-title = الصفحة غير موجودة
error-not-found-body = لا توجد صفحة على هذا العنوان.
error-method-title = غير مسموح
error-method-body = لا يمكن استخدام هذه الصفحة بهذه الطريقة.
error-bad-form-title = تعذّرت قراءة النموذج
error-bad-form-body = يرجى العودة والتحقق من النموذج ثم إرساله مرة أخرى.
error-forbidden-title = انتهت صلاحية النموذج
error-forbidden-body = حفاظاً على سلامتك، لا تعمل النماذج إلا من هذا الموقع ولمدة محدودة. يرجى العودة وإعادة تحميل الصفحة ثم الإرسال مرة أخرى.
error-too-large-title = النص طويل جداً
error-too-large-body = ما أرسلته طويل جداً. يرجى اختصاره والمحاولة مرة أخرى.
error-rate-limited-title = يرجى الانتظار قليلاً
error-rate-limited-body = وصلت طلبات كثيرة من اتصالك. يرجى الانتظار دقيقة ثم المحاولة مرة أخرى.
error-timeout-title = استغرق الأمر وقتاً طويلاً
error-timeout-body = الخادم مشغول. يرجى المحاولة بعد قليل.
error-internal-title = حدث خطأ
error-internal-body = تعذّر إتمام طلبك. لم يُعرض أي شيء أرسلته على أحد. يرجى المحاولة لاحقاً.
form-problems = يرجى تصحيح ما يلي:
form-too-long = أحد الحقول طويل جداً.
form-bad-year = يجب أن تكون السنة من أربعة أرقام، مثل ١٩٨٥.
form-bad-sex = يرجى الاختيار من القائمة.
required = (مطلوب)
updates-count = { $category ->
    [zero] لا تحديثات
    [one] تحديث واحد
    [two] تحديثان
    [few] { $n } تحديثات
    [many] { $n } تحديثاً
   *[other] { $n } تحديث
}
