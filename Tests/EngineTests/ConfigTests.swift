import Testing
@testable import Engine

@Suite struct ConfigTests {
    func error(_ values: [String: JSONValue]) -> ParameterError? {
        do { _ = try FarrellConfig(values); return nil } catch { return error }
    }

    @Test func referenceDefaults() throws {
        let c = FarrellConfig.defaults
        #expect(c.N == 200 && c.num_epochs == 40 && c.num_train_samples_per_epoch == 800)
        #expect(c.num_test_samples_per_epoch == 120)
        #expect(c.X_clusters == 60 && c.X_dim == 200 && c.num_classes == 2 && c.n_lag == 10)
        #expect(c.g_radius == 20 && c.clust_sig == 0.02 && c.dt == 0.01 && c.learning_rate == 1e-3)
        #expect(c.loss == .cce && c.optimizer == .rmsprop && c.scheduler == .plateau && c.batch_size == 10)
        #expect(c.learning_patience == 5 && c.scheduler_factor == 0.5 && c.Win == .orthog && c.hid_nonlin == .tanh)
        #expect(c.use_biases && c.train_output_weights && c.saves_per_epoch == .perEpoch(1))
        #expect(try FarrellConfig(["num_train_samples_per_epoch": .number(400)]).num_test_samples_per_epoch == 60)
    }

    @Test func defaultAnalysesFitTheNetwork() throws {
        #expect(FarrellConfig.defaults.analyses.contains(.lyapunov))
        let feedforward = try FarrellConfig(["network": .string("feedforward")])
        #expect(!feedforward.analyses.contains(.lyapunov) && feedforward.analyses.contains(.dimLayers))
    }

    @Test func resolvedParametersAreCanonical() throws {
        let a = try FarrellConfig(["Win": .string("orthogonal"), "learning_rate": .number(1e-3), "loss": .string("categorical_crossentropy"),
                               "analyses": .array([.string("lyapunov"), .string("dim_layers")])])
        let b = try FarrellConfig(["analyses": .array([.string("dim_layers"), .string("lyapunov")])])
        #expect(a.resolved == b.resolved)
        #expect(a.resolved.keys == FarrellFamily().parameterNames)
        let onecycle = try FarrellConfig(["scheduler": .string("onecyclelr_4e4"), "patience_before_stopping": .number(40)])
        #expect(onecycle.scheduler == .onecyclelr && onecycle.onecycle_final_div_factor == 4e4)
    }

    @Test func badConfigsNameTheKeyAndTheValue() {
        let cases: [([String: JSONValue], String, String)] = [
            (["learning_rte": .number(1)], "learning_rte", "did you mean \"learning_rate\""),
            (["N": .string("200")], "N", "expected an integer"),
            (["N": .number(0)], "N", "must be in 1...65536"),
            (["N": .number(2.5)], "N", "expected an integer"),
            (["n_out": .number(11)], "n_out", "<= n_lag"),
            (["loss": .string("hinge")], "loss", "unknown name"),
            (["optimizer": .number(1)], "optimizer", "expected one of"),
            (["network": .string("lstm")], "network", "unknown name"),
            (["dropout_p": .number(1)], "dropout_p", "[0, 1)"),
            (["learning_rate": .number(-1)], "learning_rate", "> 0"),
            (["scheduler": .string("multisteplr")], "scheduler", "not supported"),
            (["analyses": .array([.string("dim_layer")])], "analyses", "unknown analysis"),
            (["analyses": .array([.string("pca"), .string("pca")])], "analyses", "listed twice"),
            (["lyap_epochs": .array([.number(50)])], "lyap_epochs", "0...num_epochs"),
            (["saves_per_epoch": .array([.number(1)])], "saves_per_epoch", "one entry per epoch"),
            (["loss": .string("mse_scalar"), "num_classes": .number(3)], "loss", "num_classes = 2"),
            (["Win": .string("diagonal_first_two"), "N": .number(10)], "Win", "X_dim"),
            (["use_biases": .number(1)], "use_biases", "true or false"),
            (["X_clusters": .number(1)], "X_clusters", ">= num_classes"),
            (["N": .number(60000)], "N", "GiB of memory"),
            (["network": .string("feedforward"), "analyses": .array([.string("lyapunov")])], "analyses", "recurrent"),
        ]
        for (values, key, fragment) in cases {
            let e = error(values)
            #expect(e?.field == key, "\(values)")
            #expect(e?.description.contains(fragment) == true, "\(e?.description ?? "no error") should contain \(fragment)")
        }
    }
}

@Suite struct ClusterTaskTests {
    @Test func centresAreInTheCubeAndSeparated() {
        #expect(abs(GaussianClusterTask(clusters: 1, dimension: 2, classes: 2, noiseScale: 0.02, seed: 0).minimumSeparation - 0.1098) < 1e-4)
        #expect(abs(GaussianClusterTask(clusters: 1, dimension: 200, classes: 2, noiseScale: 0.02, seed: 0).minimumSeparation - 0.3538) < 1e-4)
        // In 2-D with a large noise scale the separation constraint binds.
        let task = GaussianClusterTask(clusters: 60, dimension: 2, classes: 2, noiseScale: 0.05, seed: 3)
        var closest = Double.infinity
        for i in 0..<60 {
            for c in 0..<2 { #expect(abs(task.centers[i * 2 + c]) <= 2) }
            for j in 0..<i {
                let dx = Double(task.centers[i * 2] - task.centers[j * 2]), dy = Double(task.centers[i * 2 + 1] - task.centers[j * 2 + 1])
                closest = min(closest, (dx * dx + dy * dy).squareRoot())
            }
        }
        #expect(closest >= task.minimumSeparation * (1 - 1e-6))
        #expect(task.minimumSeparation > 0.25)
    }

    @Test func balancedDrawCoversEveryClusterEvenly() {
        let task = GaussianClusterTask(clusters: 60, dimension: 3, classes: 2, noiseScale: 0.02, seed: 1)
        var inputs = [Float](repeating: 0, count: 500 * 3), ids = [Int32](repeating: 0, count: 500), labels = ids
        var stream = RandomStream(seed: 1, purpose: FarrellStream.evaluationData)
        task.drawBalanced(count: 500, inputs: &inputs, clusterIDs: &ids, labels: &labels, stream: &stream)
        var counts = [Int](repeating: 0, count: 60)
        for (k, label) in zip(ids, labels) {
            counts[Int(k)] += 1
            #expect(Int(label) == Int(k) % 2)
        }
        #expect(counts.allSatisfy { $0 == 8 || $0 == 9 })
        #expect(counts.filter { $0 == 9 }.count == 20)
        #expect(labels.filter { $0 == 0 }.count > 200)
        // the order is shuffled, not 0, 1, 2, ...
        #expect(Array(ids.prefix(10)) != (0..<10).map { Int32($0) })
        // samples are centre + clust_sig · noise
        var squared = 0.0
        for s in 0..<500 {
            for i in 0..<3 {
                let d = Double(inputs[s * 3 + i] - task.centers[Int(ids[s]) * 3 + i]); squared += d * d
            }
        }
        #expect(abs((squared / 1500).squareRoot() - 0.02) < 0.002)
    }

    @Test func onlineDrawIsUniformOverClusters() {
        let task = GaussianClusterTask(clusters: 4, dimension: 1, classes: 2, noiseScale: 0.1, seed: 2)
        var inputs = [Float](repeating: 0, count: 40_000), ids = [Int32](repeating: 0, count: 40_000), labels = ids
        var stream = RandomStream(seed: 2, purpose: FarrellStream.trainingData)
        task.drawOnline(count: 40_000, inputs: &inputs, clusterIDs: &ids, labels: &labels, stream: &stream)
        for k in 0..<4 { #expect(abs(ids.filter { $0 == k }.count - 10_000) < 400) }
    }
}

@Suite struct InitialisationTests {
    @Test(arguments: [20.0, 250.0])
    func recurrentPartHasSpectralRadiusExactlyG(g: Double) throws {
        let c = try FarrellConfig(["N": .number(100), "g_radius": .number(g), "analyses": .array([])])
        let network = Network(config: c, maxTrainingBatch: 1)
        try network.initialize()
        let w = network.parameters.values("Wrec"), n = c.N
        // (W − (1 − dt) I) / dt = g J / ρ(J)
        var scaled = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for col in 0..<n { scaled[r * n + col] = (Double(w[r * n + col]) - (r == col ? 1 - c.dt : 0)) / c.dt } }
        let radius = try LAPACK.spectralRadius(of: scaled, n: n)
        #expect(abs(radius - g) / g < 1e-4, "ρ = \(radius)")
    }

    @Test(arguments: [(200, 200), (200, 2), (10, 30)])
    func orthogonalInputWeights(n: Int, d: Int) throws {
        let c = try FarrellConfig(["N": .number(Double(n)), "X_dim": .number(Double(d)), "input_scale": .number(2), "analyses": .array([])])
        let network = Network(config: c, maxTrainingBatch: 1)
        try network.initialize()
        let win = network.parameters.values("Win")
        var meanAbsolute = 0.0
        for i in 0..<(n * d) { meanAbsolute += abs(Double(win[i])) }
        meanAbsolute /= Double(n * d)
        #expect(abs(meanAbsolute - 2 / Double(d).squareRoot()) < 1e-5)
        // Orthogonal columns (N >= D) or rows (N < D), all of one common length.
        let vectors = min(n, d), length = max(n, d)
        func entry(_ v: Int, _ k: Int) -> Double { n >= d ? Double(win[k * d + v]) : Double(win[v * d + k]) }
        var norms: [Double] = []
        for a in 0..<vectors {
            for b in 0...a {
                var dot = 0.0
                for k in 0..<length { dot += entry(a, k) * entry(b, k) }
                if a == b { norms.append(dot) } else { #expect(abs(dot) < 1e-5) }
            }
        }
        for norm in norms { #expect(abs(norm - norms[0]) < 1e-4 * norms[0]) }
    }

    @Test func diagonalInputWeightsAndReadout() throws {
        let c = try FarrellConfig(["N": .number(50), "X_dim": .number(2), "Win": .string("identity"), "analyses": .array([])])
        let network = Network(config: c, maxTrainingBatch: 1)
        try network.initialize()
        let win = network.parameters.values("Win")
        for r in 0..<50 { for col in 0..<2 { #expect(win[r * 2 + col] == (r == col ? 1 : 0)) } }
        let wout = network.parameters.values("Wout")
        var squares = 0.0
        for i in 0..<100 { squares += Double(wout[i] * wout[i]) }
        #expect(abs((squares / 100).squareRoot() - 0.3 / 50.0.squareRoot()) < 0.015)
        #expect(network.parameters.values("bout")[0] == 0 && network.parameters.values("brec")[7] == 0)
    }
}
