import CBLAS
public enum EngineInfo {
    public static let name = "Engine"
    public static func smoke() -> String { openblas_set_num_threads(1); return String(cString: openblas_get_config()) }
}
